"""Analytic scene primitives and their vectorised ray intersections.

``intersect(o, d, inv)`` takes a ray origin (3,), directions (N, 3) and their reciprocals and
returns the hit parameter t (N,) (inf where missed). Directions are not normalised: t is the
camera z-depth (see camera.ray_directions). ``normal(points)`` gives world normals of surface
points; the tracer asks for them only at the pixels a primitive finally wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INF = np.float32(np.inf)
EPS = 1e-3


def _box_corners(lo, hi) -> np.ndarray:
    return np.array([(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])], np.float32)


@dataclass(frozen=True)
class Box:
    """Axis-aligned box."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    cls: int
    colour: tuple[float, float, float]
    texture: str = "plain"

    def corners(self) -> np.ndarray:
        return _box_corners(self.lo, self.hi)

    def intersect(self, o: np.ndarray, d: np.ndarray, inv: np.ndarray) -> np.ndarray:
        t_near = np.full(len(d), -np.inf, np.float32)
        t_far = np.full(len(d), np.inf, np.float32)
        for axis in range(3):  # slab method, one axis at a time on 1-D arrays (fast)
            a = (self.lo[axis] - o[axis]) * inv[:, axis]
            b = (self.hi[axis] - o[axis]) * inv[:, axis]
            np.maximum(t_near, np.minimum(a, b), out=t_near)
            np.minimum(t_far, np.maximum(a, b), out=t_far)
        return np.where((t_far >= t_near) & (t_near > EPS), t_near, INF)

    def normal(self, p: np.ndarray) -> np.ndarray:
        lo, hi = np.asarray(self.lo, np.float32), np.asarray(self.hi, np.float32)
        dist = np.concatenate([np.abs(p - lo), np.abs(p - hi)], axis=1)  # (N, 6): lo faces, hi faces
        face = dist.argmin(axis=1)
        n = np.zeros_like(p)
        n[np.arange(len(p)), face % 3] = np.where(face < 3, -1.0, 1.0)
        return n


@dataclass(frozen=True)
class Cylinder:
    """Vertical cylinder (axis along world Y), sides only."""

    centre: tuple[float, float]  # (x, z)
    radius: float
    y0: float
    y1: float
    cls: int
    colour: tuple[float, float, float]
    texture: str = "plain"

    def corners(self) -> np.ndarray:
        (x, z), r = self.centre, self.radius
        return _box_corners((x - r, self.y0, z - r), (x + r, self.y1, z + r))

    def intersect(self, o: np.ndarray, d: np.ndarray, inv: np.ndarray) -> np.ndarray:
        ox, oz = o[0] - self.centre[0], o[2] - self.centre[1]
        dx, dz = d[:, 0], d[:, 2]
        a = dx * dx + dz * dz
        b = 2 * (ox * dx + oz * dz)
        c = ox * ox + oz * oz - self.radius**2
        disc = b * b - 4 * a * c
        ok = (disc >= 0) & (a > 1e-12)
        t = (-b - np.sqrt(np.where(ok, disc, 0))) / (2 * np.where(ok, a, 1))
        y = o[1] + t * d[:, 1]
        return np.where(ok & (t > EPS) & (y >= self.y0) & (y <= self.y1), t, INF).astype(np.float32)

    def normal(self, p: np.ndarray) -> np.ndarray:
        n = np.zeros_like(p)
        n[:, 0] = p[:, 0] - self.centre[0]
        n[:, 2] = p[:, 2] - self.centre[1]
        return n / (np.linalg.norm(n, axis=1, keepdims=True) + 1e-9)


@dataclass(frozen=True)
class Sphere:
    """Ellipsoid with semi-axes (rx, ry, rz); a sphere when they are equal."""

    centre: tuple[float, float, float]
    radii: tuple[float, float, float]
    cls: int
    colour: tuple[float, float, float]
    texture: str = "plain"

    def corners(self) -> np.ndarray:
        c, r = np.asarray(self.centre), np.asarray(self.radii)
        return _box_corners(c - r, c + r)

    def intersect(self, o: np.ndarray, d: np.ndarray, inv: np.ndarray) -> np.ndarray:
        r = np.asarray(self.radii, np.float32)
        oc = (o - np.asarray(self.centre, np.float32)) / r  # scaled so the ellipsoid is a unit sphere
        ds = d / r
        a = (ds * ds).sum(axis=1)
        b = 2 * (ds @ oc)
        c = oc @ oc - 1.0
        disc = b * b - 4 * a * c
        ok = disc >= 0
        t = (-b - np.sqrt(np.where(ok, disc, 0))) / (2 * a)
        return np.where(ok & (t > EPS), t, INF).astype(np.float32)

    def normal(self, p: np.ndarray) -> np.ndarray:
        r = np.asarray(self.radii, np.float32)
        n = (p - np.asarray(self.centre, np.float32)) / (r * r)  # gradient of the ellipsoid
        return n / (np.linalg.norm(n, axis=1, keepdims=True) + 1e-9)
