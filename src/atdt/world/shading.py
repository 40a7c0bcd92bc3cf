"""Colours of ray hits: albedo, procedural textures on world coordinates, sun and sky light, and
each domain's look (fog, exposure, colour cast, saturation, gamma, vignetting, blur, noise)."""

from __future__ import annotations

import numpy as np

from atdt.data.classes import CLASSES
from atdt.world.domains import Domain
from atdt.world.layout import Scene
from atdt.world.raycast import GROUND, SKY, Hits

TEXTURES = ("plain", "tiles", "facade", "bricks", "slats", "foliage", "bark", "metal", "cloth", "paint",
            "glass", "sign", "lights")


def hash_noise(p: np.ndarray, scale: float) -> np.ndarray:
    """Value noise in [0, 1) that depends only on the world cell of each point (cheap, deterministic)."""
    q = np.floor(p / scale)
    x = q[..., 0] * 12.9898 + q[..., 1] * 78.233 + q[..., 2] * 37.719
    return np.modf(np.abs(np.sin(x) * 43758.5453))[0].astype(np.float32)


def _facade_coord(p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Horizontal coordinate along a vertical face: Z for faces looking along X, else X."""
    return np.where(np.abs(n[..., 0]) > 0.5, p[..., 2], p[..., 0])


def _frac(x):
    return x - np.floor(x)


def albedo(hits: Hits, scene: Scene, domain: Domain) -> np.ndarray:
    """(H, W, 3) surface colour before lighting."""
    prims = scene.primitives
    colours = np.array([p.colour for p in prims] + [domain.palette["road"], (0, 0, 0)], np.float32)
    tex_ids = np.array([TEXTURES.index(p.texture) for p in prims] + [-1, -2], np.int32)
    idx = np.where(hits.index == GROUND, len(prims), np.where(hits.index == SKY, len(prims) + 1, hits.index))
    col = colours[idx]
    tex = tex_ids[idx]
    p, n = hits.point, hits.normal
    s = domain.texture_strength
    grain = hash_noise(p, 0.12) - 0.5
    factor = 1.0 + s * grain  # fine grain everywhere: gives stereo matching something to hold on to
    u = _facade_coord(p, n)

    # road: asphalt blotches, lane markings, zebra crossing
    road = tex == -1
    factor = np.where(road, factor + s * (hash_noise(p, 0.9) - 0.5), factor)
    x, z = p[..., 0], p[..., 2]
    marking = road & (
        ((np.abs(x) < 0.08) & (_frac(z / 9.0) < 0.5))
        | (np.abs(np.abs(x) - (scene.road_half - 0.3)) < 0.08)
    )
    if scene.crossing_z is not None:
        marking |= road & (np.abs(z - scene.crossing_z) < 2.0) & (_frac(x / 1.0) < 0.5) & (np.abs(x) < scene.road_half - 0.5)
    col = np.where(marking[..., None], np.asarray(domain.palette["marking"], np.float32), col)

    t = TEXTURES.index
    factor = np.where(tex == t("tiles"), factor * np.where((_frac(x / 0.6) < 0.06) | (_frac(z / 0.6) < 0.06), 0.8, 1.0), factor)
    factor = np.where(tex == t("bricks"), factor * np.where(_frac(p[..., 1] / 0.25) < 0.12, 0.75, 1.0 + 0.3 * s * (hash_noise(p, 0.5) - 0.5)), factor)
    factor = np.where(tex == t("slats"), factor * np.where(_frac(u / 0.3) < 0.35, 0.55, 1.0), factor)
    factor = np.where(tex == t("foliage"), factor * (0.65 + 0.7 * hash_noise(p, 0.35)), factor)
    factor = np.where(tex == t("bark"), factor * (0.8 + 0.4 * hash_noise(p, 0.1)), factor)
    factor = np.where(tex == t("cloth"), factor * np.where(p[..., 1] < 0.85, 0.6, 1.0), factor)  # trousers vs shirt

    # facades: storeys of windows above the ground floor
    facade = tex == t("facade")
    window = facade & (_frac(u / 3.2) > 0.25) & (_frac(u / 3.2) < 0.75) & (_frac(p[..., 1] / 3.0) > 0.3) & (_frac(p[..., 1] / 3.0) < 0.75) & (p[..., 1] > 2.5)
    col = np.where(window[..., None], np.array([0.18, 0.22, 0.3], np.float32) + 0.1 * hash_noise(p, 1.5)[..., None], col)
    col = np.where((tex == t("glass"))[..., None] & (np.abs(n[..., 1]) < 0.5)[..., None], col * 0.35 + 0.1, col)
    lit = (tex == t("lights")) & (_frac(p[..., 1] / 0.33) > 0.2) & (_frac(p[..., 1] / 0.33) < 0.8) & (np.abs(n[..., 2]) > 0.5)
    col = np.where(lit[..., None], np.array([0.9, 0.2, 0.1], np.float32), col)
    return np.clip(col * factor[..., None], 0.0, 1.0)


def sky(dirs: np.ndarray, domain: Domain) -> np.ndarray:
    elev = np.clip(dirs[..., 1] / np.linalg.norm(dirs, axis=-1), 0.0, 1.0) ** 0.6
    horizon, zenith = np.asarray(domain.sky_horizon, np.float32), np.asarray(domain.sky_zenith, np.float32)
    return horizon + (zenith - horizon) * elev[..., None]


def shade(hits: Hits, scene: Scene, domain: Domain, dirs: np.ndarray) -> np.ndarray:
    """Linear-light RGB (H, W, 3) of one view, before the camera effects."""
    sun = np.asarray(scene.sun, np.float32)
    diffuse = np.clip(hits.normal @ sun, 0.0, 1.0)
    light = domain.ambient + (1.0 - domain.ambient) * diffuse
    rgb = albedo(hits, scene, domain) * light[..., None]
    if domain.fog_distance > 0:
        keep = np.exp(-np.where(np.isfinite(hits.t), hits.t, 1e4) / domain.fog_distance)[..., None]
        rgb = rgb * keep + np.asarray(domain.fog_colour, np.float32) * (1.0 - keep)
    is_sky = hits.index == SKY
    rgb[is_sky] = sky(dirs, domain)[is_sky]
    return rgb


def camera_effects(rgb: np.ndarray, scene: Scene, domain: Domain, rng: np.random.Generator) -> np.ndarray:
    """The sensor: exposure, colour cast, saturation, gamma, vignetting, blur, noise -> uint8."""
    h, w, _ = rgb.shape
    rgb = rgb * scene.exposure * np.asarray(domain.colour_cast, np.float32)
    if domain.saturation != 1.0:
        grey = rgb.mean(axis=-1, keepdims=True)
        rgb = grey + (rgb - grey) * domain.saturation
    rgb = np.clip(rgb, 0.0, 1.0) ** (1.0 / domain.gamma)
    if domain.vignetting > 0:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        rgb = rgb * (1.0 - domain.vignetting * 0.5 * r2)[..., None]
    if domain.blur_sigma > 0:
        import cv2

        sigma = domain.blur_sigma * w / 256.0
        rgb = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), sigmaX=sigma)
    if domain.noise_sigma > 0:
        rgb = rgb + rng.normal(0.0, domain.noise_sigma, rgb.shape).astype(np.float32)
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def semantic_ids(hits: Hits, scene: Scene) -> np.ndarray:
    classes = np.array([p.cls for p in scene.primitives] + [CLASSES.index("road"), CLASSES.index("sky")], np.uint8)
    n = len(scene.primitives)
    idx = np.where(hits.index == GROUND, n, np.where(hits.index == SKY, n + 1, hits.index))
    return classes[idx]
