"""Random street layouts: a straight street with sidewalks, facades, gaps filled by walls, fences,
hedges and trees, poles with signs and traffic lights, parked and moving vehicles, and people on
the sidewalks and crossings. Every random choice comes from the generator passed in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atdt.data.classes import CLASSES
from atdt.world.camera import Camera
from atdt.world.domains import Domain
from atdt.world.primitives import Box, Cylinder, Sphere

C = {name: i for i, name in enumerate(CLASSES)}
Z_NEAR, Z_FAR = 0.3, 170.0  # street extent along Z (metres); nothing behind the camera is visible
CURB = 0.15


@dataclass(frozen=True)
class Scene:
    camera: Camera
    primitives: tuple
    road_half: float  # road spans |X| < road_half
    crossing_z: float | None  # centre of a zebra crossing, if any
    sun: tuple[float, float, float]  # unit direction towards the sun (world frame)
    exposure: float


def _colour(domain: Domain, rng: np.random.Generator, key: str) -> tuple[float, float, float]:
    base = np.asarray(domain.palette[key])
    return tuple(np.clip(base + rng.normal(0, domain.colour_jitter, 3), 0.02, 1.0).round(4))


def _count(rng: np.random.Generator, per_100m: float, length: float) -> int:
    return int(rng.poisson(per_100m * length / 100.0))


def _side_gap(domain, rng, side, line, z0, z1, out):
    """Fill a gap between buildings: a wall, a fence, a hedge, trees, or nothing."""
    kind = rng.choice(["wall", "fence", "hedge", "trees", "open"], p=[0.25, 0.25, 0.2, 0.2, 0.1])
    inner = side * line  # x of the building line
    if kind == "wall":
        h = rng.uniform(1.5, 3.5)
        out.append(_box(_xs(inner, inner + side * 0.4), (0, h), (z0, z1), C["wall"], _colour(domain, rng, "wall"), "bricks"))
    elif kind == "fence":
        h = rng.uniform(1.0, 2.2)
        out.append(_box(_xs(inner, inner + side * 0.1), (0, h), (z0, z1), C["fence"], _colour(domain, rng, "fence"), "slats"))
    elif kind == "hedge":
        h = rng.uniform(1.0, 2.0)
        out.append(_box(_xs(inner, inner + side * 1.2), (0, h), (z0, z1), C["vegetation"], _colour(domain, rng, "vegetation"), "foliage"))
    elif kind == "trees":
        for z in np.arange(z0 + 2.0, z1 - 1.0, rng.uniform(3.0, 5.0)):
            _tree(domain, rng, inner + side * rng.uniform(1.5, 4.0), z, out)


def _xs(a: float, b: float) -> tuple[float, float]:
    return (min(a, b), max(a, b))


def _box(x, y, z, cls, colour, texture="plain") -> Box:
    """A box from its (lo, hi) extents along X, Y and Z."""
    return Box((x[0], y[0], z[0]), (x[1], y[1], z[1]), cls, colour, texture)


def _tree(domain, rng, x, z, out):
    trunk_h = rng.uniform(1.8, 3.0)
    out.append(Cylinder((x, z), rng.uniform(0.12, 0.22), 0.0, trunk_h + 0.5, C["vegetation"], _colour(domain, rng, "trunk"), "bark"))
    r = rng.uniform(1.3, 2.4)
    out.append(Sphere((x, trunk_h + r * 0.8, z), (r, r * rng.uniform(0.9, 1.4), r), C["vegetation"], _colour(domain, rng, "vegetation"), "foliage"))


def _vehicle(domain, rng, x, z, out, length=None):
    length = length or rng.uniform(3.8, 4.8)
    width, height = rng.uniform(1.7, 1.95), rng.uniform(1.35, 1.7)
    colour = _colour(domain, rng, "vehicle")
    out.append(_box((x - width / 2, x + width / 2), (0.28, height * 0.6), (z, z + length), C["vehicle"], colour, "paint"))
    cab = rng.uniform(0.5, 0.65) * length
    cz = z + rng.uniform(0.15, 0.3) * length
    out.append(_box((x - width * 0.44, x + width * 0.44), (height * 0.6, height), (cz, cz + cab), C["vehicle"], colour, "glass"))


def _person(domain, rng, x, z, out):
    h = rng.uniform(1.55, 1.9)
    colour = _colour(domain, rng, "person")
    out.append(Cylinder((x, z), rng.uniform(0.22, 0.3), 0.0, h - 0.22, C["person"], colour, "cloth"))
    out.append(Sphere((x, h - 0.12, z), (0.13, 0.14, 0.13), C["person"], tuple(np.clip(np.asarray(colour) + 0.25, 0, 1)), "plain"))


def _pole(domain, rng, x, z, side, out):
    h = rng.uniform(4.0, 8.0)
    out.append(Cylinder((x, z), rng.uniform(0.12, 0.2), 0.0, h, C["pole"], _colour(domain, rng, "pole"), "metal"))
    what = rng.choice(["sign", "light", "none"], p=[0.45, 0.3, 0.25])
    if what == "sign":
        y = rng.uniform(2.2, 3.2)
        s = rng.uniform(0.6, 1.0)
        cx = x - side * s * 0.5  # the plate hangs towards the road
        out.append(_box((cx - s / 2, cx + s / 2), (y, y + s), (z - 0.2, z - 0.14), C["traffic_sign"], _colour(domain, rng, "traffic_sign"), "sign"))
    elif what == "light":
        y = min(h - 1.0, rng.uniform(3.0, 4.5))
        out.append(_box((x - 0.22, x + 0.22), (y, y + 1.0), (z - 0.45, z - 0.2), C["traffic_sign"], (0.08, 0.08, 0.08), "lights"))


def make_scene(domain: Domain, rng: np.random.Generator, size: tuple[int, int]) -> Scene:
    h, w = size
    road_half = rng.uniform(*domain.road_width) / 2
    sidewalk = rng.uniform(*domain.sidewalk_width)
    line = road_half + sidewalk  # building line distance from the road axis
    focal = domain.focal * w * rng.uniform(0.97, 1.03)
    camera = Camera(
        fx=focal, fy=focal, cx=w / 2, cy=h / 2,
        height=rng.uniform(*domain.camera_height),
        pitch=np.deg2rad(rng.uniform(*domain.pitch_deg)),
        baseline=domain.baseline,
        x=road_half / 2 + rng.uniform(-0.4, 0.4),  # driving in the right lane
    )
    out: list = []
    for side in (-1, 1):
        # sidewalk slab with a curb, then facades (with gaps) along the building line
        out.append(_box(_xs(side * road_half, side * (line + 30.0)), (0.0, CURB), (Z_NEAR, Z_FAR), C["sidewalk"], _colour(domain, rng, "sidewalk"), "tiles"))
        z = Z_NEAR
        while z < Z_FAR:
            if rng.random() < domain.gap_probability:
                gap = rng.uniform(4.0, 14.0)
                _side_gap(domain, rng, side, line, z, z + gap, out)
                z += gap
            length = rng.uniform(*domain.building_length)
            height = rng.uniform(*domain.building_height)
            setback = rng.uniform(0.0, 1.5)
            out.append(_box(_xs(side * (line + setback), side * (line + setback + 15.0)), (0.0, height), (z, z + length), C["building"], _colour(domain, rng, "building"), "facade"))
            z += length
        for _ in range(_count(rng, domain.poles_per_100m, 80)):
            _pole(domain, rng, side * (road_half + rng.uniform(0.4, 0.8)), rng.uniform(3.0, 80.0), side, out)
        for _ in range(_count(rng, domain.trees_per_100m, 80)):
            _tree(domain, rng, side * (line - rng.uniform(0.8, 1.4)), rng.uniform(4.0, 90.0), out)
        for _ in range(_count(rng, domain.parked_per_100m, 80)):
            _vehicle(domain, rng, side * (road_half - 1.1), rng.uniform(3.0, 80.0), out)
        for _ in range(rng.integers(*domain.persons, endpoint=True) // 2):
            _person(domain, rng, side * rng.uniform(road_half + 0.6, line - 0.3), rng.uniform(3.0, 45.0), out)
    for _ in range(rng.integers(*domain.moving_vehicles, endpoint=True)):
        lane = rng.choice([-1, 1])
        _vehicle(domain, rng, lane * road_half / 2 + rng.uniform(-0.3, 0.3), rng.uniform(9.0 if lane > 0 else 4.0, 70.0), out)
    crossing_z = None
    if rng.random() < domain.crossing_probability:
        crossing_z = rng.uniform(10.0, 35.0)
        for _ in range(rng.integers(1, 4)):
            _person(domain, rng, rng.uniform(-road_half, road_half), crossing_z + rng.uniform(-1.2, 1.2), out)
    elev = np.deg2rad(rng.uniform(*domain.sun_elevation_deg))
    azim = rng.uniform(0, 2 * np.pi)
    sun = (np.cos(elev) * np.cos(azim), np.sin(elev), np.cos(elev) * np.sin(azim))
    return Scene(camera, tuple(out), road_half, crossing_z, sun, rng.uniform(*domain.exposure))
