"""Colours of ray hits: albedo, procedural textures on world coordinates, sun and sky light, and
each domain's look (fog, exposure, colour cast, saturation, gamma, vignetting, blur, noise)."""

from __future__ import annotations

from functools import lru_cache

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


def _texture_factor(name: str, p: np.ndarray, u: np.ndarray, s: float) -> np.ndarray:
    """Brightness pattern of one texture at points p (N, 3); u is the along-facade coordinate."""
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    if name == "tiles":
        return np.where((_frac(x / 0.6) < 0.06) | (_frac(z / 0.6) < 0.06), 0.8, 1.0)
    if name == "bricks":
        return np.where(_frac(y / 0.25) < 0.12, 0.75, 1.0 + 0.3 * s * (hash_noise(p, 0.5) - 0.5))
    if name == "slats":
        return np.where(_frac(u / 0.3) < 0.35, 0.55, 1.0)
    if name == "foliage":
        return 0.65 + 0.7 * hash_noise(p, 0.35)
    if name == "bark":
        return 0.8 + 0.4 * hash_noise(p, 0.1)
    if name == "cloth":
        return np.where(y < 0.85, 0.6, 1.0)  # trousers vs shirt
    return None


def albedo(hits: Hits, scene: Scene, domain: Domain) -> np.ndarray:
    """(H, W, 3) surface colour before lighting. Each texture is computed on its own pixels only."""
    prims = scene.primitives
    colours = np.array([p.colour for p in prims] + [domain.palette["road"], (0, 0, 0)], np.float32)
    tex_ids = np.array([TEXTURES.index(p.texture) for p in prims] + [-1, -2], np.int32)
    idx = np.where(hits.index == GROUND, len(prims), np.where(hits.index == SKY, len(prims) + 1, hits.index)).ravel()
    col = colours[idx]  # (N, 3)
    tex = tex_ids[idx]
    p, n = hits.point.reshape(-1, 3), hits.normal.reshape(-1, 3)
    s = domain.texture_strength
    factor = 1.0 + s * (hash_noise(p, 0.12) - 0.5)  # fine grain everywhere: something for stereo to match

    # road: asphalt blotches, lane markings, zebra crossing
    road = np.flatnonzero(tex == -1)
    pr = p[road]
    factor[road] += s * (hash_noise(pr, 0.9) - 0.5)
    x, z = pr[:, 0], pr[:, 2]
    marking = ((np.abs(x) < 0.08) & (_frac(z / 9.0) < 0.5)) | (np.abs(np.abs(x) - (scene.road_half - 0.3)) < 0.08)
    if scene.crossing_z is not None:
        marking |= (np.abs(z - scene.crossing_z) < 2.0) & (_frac(x) < 0.5) & (np.abs(x) < scene.road_half - 0.5)
    col[road[marking]] = domain.palette["marking"]

    for name in ("tiles", "bricks", "slats", "foliage", "bark", "cloth", "facade", "glass", "lights"):
        where = np.flatnonzero(tex == TEXTURES.index(name))
        if where.size == 0:
            continue
        pw, nw = p[where], n[where]
        u = _facade_coord(pw, nw)
        pattern = _texture_factor(name, pw, u, s)
        if pattern is not None:
            factor[where] *= pattern
        elif name == "facade":  # storeys of windows above the ground floor
            fu, fy = _frac(u / 3.2), _frac(pw[:, 1] / 3.0)
            window = (fu > 0.25) & (fu < 0.75) & (fy > 0.3) & (fy < 0.75) & (pw[:, 1] > 2.5)
            glow = 0.1 * hash_noise(pw[window], 1.5)[:, None]
            col[where[window]] = np.array([0.18, 0.22, 0.3], np.float32) + glow
        elif name == "glass":
            side = np.abs(nw[:, 1]) < 0.5
            col[where[side]] = col[where[side]] * 0.35 + 0.1
        elif name == "lights":
            fy = _frac(pw[:, 1] / 0.33)
            lit = (fy > 0.2) & (fy < 0.8) & (np.abs(nw[:, 2]) > 0.5)
            col[where[lit]] = (0.9, 0.2, 0.1)
    return np.clip(col * factor[:, None], 0.0, 1.0).reshape(hits.point.shape)


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
    rgb[is_sky] = sky(dirs[is_sky], domain)
    return rgb


@lru_cache(maxsize=8)
def _radius2(h: int, w: int) -> np.ndarray:
    """Squared normalised distance from the image centre (for vignetting), per image size."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2


def camera_effects(rgb: np.ndarray, scene: Scene, domain: Domain, rng: np.random.Generator) -> np.ndarray:
    """The sensor: exposure, colour cast, saturation, gamma, vignetting, blur, noise -> uint8."""
    h, w, _ = rgb.shape
    rgb = rgb * scene.exposure * np.asarray(domain.colour_cast, np.float32)
    if domain.saturation != 1.0:
        grey = rgb.mean(axis=-1, keepdims=True)
        rgb = grey + (rgb - grey) * domain.saturation
    rgb = np.clip(rgb, 0.0, 1.0) ** (1.0 / domain.gamma)
    if domain.vignetting > 0:
        rgb = rgb * (1.0 - domain.vignetting * 0.5 * _radius2(h, w))[..., None]
    if domain.blur_sigma > 0:
        import cv2

        sigma = domain.blur_sigma * w / 256.0
        rgb = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), sigmaX=sigma)
    if domain.noise_sigma > 0:
        rgb = rgb + domain.noise_sigma * rng.standard_normal(rgb.shape, dtype=np.float32)
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def semantic_ids(hits: Hits, scene: Scene) -> np.ndarray:
    classes = np.array([p.cls for p in scene.primitives] + [CLASSES.index("road"), CLASSES.index("sky")], np.uint8)
    n = len(scene.primitives)
    idx = np.where(hits.index == GROUND, n, np.where(hits.index == SKY, n + 1, hits.index))
    return classes[idx]
