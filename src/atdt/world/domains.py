"""Domain presets: how a domain's streets are laid out, filmed and rendered.

Three stand-ins for the paper's datasets: ``clean`` (CARLA-like simulator), ``vivid``
(Synthia-like simulator) and ``camera`` (Cityscapes/KITTI-like real camera). They differ in
layout and camera statistics as well as appearance, so the gap between them is real.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Base albedos per class name (RGB in [0, 1]); each object jitters around its class colour.
CLEAN_PALETTE = {
    "road": (0.36, 0.36, 0.38), "sidewalk": (0.62, 0.6, 0.58), "wall": (0.7, 0.66, 0.55),
    "fence": (0.45, 0.38, 0.3), "person": (0.55, 0.3, 0.25), "pole": (0.5, 0.5, 0.52),
    "vegetation": (0.25, 0.5, 0.2), "vehicle": (0.2, 0.3, 0.6), "traffic_sign": (0.85, 0.75, 0.1),
    "building": (0.6, 0.5, 0.42), "trunk": (0.35, 0.25, 0.15), "marking": (0.95, 0.95, 0.9),
}
VIVID_PALETTE = {
    "road": (0.25, 0.22, 0.3), "sidewalk": (0.75, 0.55, 0.5), "wall": (0.9, 0.8, 0.3),
    "fence": (0.2, 0.6, 0.7), "person": (0.9, 0.2, 0.5), "pole": (0.8, 0.3, 0.2),
    "vegetation": (0.1, 0.75, 0.3), "vehicle": (0.9, 0.15, 0.15), "traffic_sign": (0.2, 0.9, 0.9),
    "building": (0.55, 0.6, 0.85), "trunk": (0.5, 0.3, 0.2), "marking": (1.0, 0.95, 0.3),
}
CAMERA_PALETTE = {
    "road": (0.3, 0.3, 0.3), "sidewalk": (0.48, 0.47, 0.46), "wall": (0.5, 0.48, 0.45),
    "fence": (0.4, 0.4, 0.38), "person": (0.3, 0.28, 0.3), "pole": (0.35, 0.35, 0.35),
    "vegetation": (0.22, 0.32, 0.15), "vehicle": (0.35, 0.36, 0.4), "traffic_sign": (0.7, 0.55, 0.2),
    "building": (0.5, 0.45, 0.4), "trunk": (0.3, 0.25, 0.2), "marking": (0.85, 0.85, 0.82),
}


@dataclass(frozen=True)
class Domain:
    name: str
    description: str
    # camera: focal as a fraction of the image width, height (m), pitch (deg), stereo baseline (m)
    focal: float = 0.5
    camera_height: tuple[float, float] = (1.5, 1.7)
    pitch_deg: tuple[float, float] = (0.0, 2.0)
    baseline: float = 0.5
    # layout
    road_width: tuple[float, float] = (7.0, 11.0)
    sidewalk_width: tuple[float, float] = (2.5, 4.0)
    building_height: tuple[float, float] = (6.0, 18.0)
    building_length: tuple[float, float] = (8.0, 20.0)
    gap_probability: float = 0.35  # a gap between buildings, filled by a wall, fence, hedge or trees
    parked_per_100m: float = 5.0
    moving_vehicles: tuple[int, int] = (1, 3)
    persons: tuple[int, int] = (3, 8)
    poles_per_100m: float = 5.0
    trees_per_100m: float = 4.0
    crossing_probability: float = 0.4
    # appearance
    palette: dict = field(default_factory=lambda: dict(CLEAN_PALETTE))
    colour_jitter: float = 0.08
    texture_strength: float = 0.08
    sky_horizon: tuple[float, float, float] = (0.75, 0.85, 0.95)
    sky_zenith: tuple[float, float, float] = (0.35, 0.55, 0.9)
    sun_elevation_deg: tuple[float, float] = (40.0, 70.0)
    ambient: float = 0.45
    fog_distance: float = 0.0  # metres; 0 = no fog
    fog_colour: tuple[float, float, float] = (0.8, 0.8, 0.8)
    exposure: tuple[float, float] = (1.0, 1.0)
    colour_cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    saturation: float = 1.0
    gamma: float = 1.0
    noise_sigma: float = 0.0  # sensor noise, in [0, 1] units
    blur_sigma: float = 0.0  # pixels at 256 px width
    vignetting: float = 0.0


DOMAINS: dict[str, Domain] = {
    "clean": Domain(
        name="clean",
        description="CARLA-like simulator: flat palette, clear noon, 90 deg field of view, moderate density",
    ),
    "vivid": Domain(
        name="vivid",
        description="Synthia-like simulator: saturated colours, taller and denser city, higher camera, warm light",
        focal=0.42,
        camera_height=(2.0, 2.6),
        pitch_deg=(3.0, 6.0),
        baseline=0.8,
        road_width=(9.0, 14.0),
        sidewalk_width=(3.0, 5.0),
        building_height=(12.0, 35.0),
        building_length=(10.0, 25.0),
        gap_probability=0.25,
        parked_per_100m=7.0,
        moving_vehicles=(2, 5),
        persons=(5, 12),
        poles_per_100m=7.0,
        trees_per_100m=3.0,
        palette=dict(VIVID_PALETTE),
        colour_jitter=0.15,
        texture_strength=0.05,
        sky_horizon=(0.95, 0.8, 0.6),
        sky_zenith=(0.45, 0.5, 0.85),
        sun_elevation_deg=(15.0, 35.0),
        ambient=0.4,
        saturation=1.35,
    ),
    "camera": Domain(
        name="camera",
        description="Cityscapes/KITTI-like camera: narrow lens, low rig, textures, haze, overcast, noise and blur",
        focal=0.9,
        camera_height=(1.15, 1.35),
        pitch_deg=(0.0, 1.5),
        baseline=0.54,
        road_width=(6.0, 9.0),
        sidewalk_width=(2.0, 3.5),
        building_height=(8.0, 22.0),
        parked_per_100m=8.0,
        persons=(4, 10),
        trees_per_100m=6.0,
        palette=dict(CAMERA_PALETTE),
        colour_jitter=0.06,
        texture_strength=0.3,
        sky_horizon=(0.85, 0.86, 0.86),
        sky_zenith=(0.68, 0.72, 0.78),
        sun_elevation_deg=(55.0, 80.0),
        ambient=0.7,
        fog_distance=90.0,
        fog_colour=(0.78, 0.79, 0.8),
        exposure=(0.75, 1.3),
        colour_cast=(1.05, 1.0, 0.88),
        saturation=0.7,
        gamma=1.15,
        noise_sigma=0.025,
        blur_sigma=0.7,
        vignetting=0.35,
    ),
}


def rig_name(streets: str, rig: str) -> str:
    """The name of the diagnostic domain ``through_rig(streets, rig)``."""
    return f"{streets}_{rig}_rig"


def through_rig(streets: str, rig: str) -> Domain:
    """Diagnostic: domain ``streets``' scenes and looks filmed through domain ``rig``'s lens and
    rig (focal, height, pitch), to separate how much of a domain gap is camera geometry and how
    much is appearance (``benchmarks/camera_geometry.py``)."""
    s, r = DOMAINS[streets], DOMAINS[rig]
    return replace(s, name=rig_name(streets, rig), focal=r.focal, camera_height=r.camera_height, pitch_deg=r.pitch_deg,
                   description=f"diagnostic: the {streets} domain's appearance and streets through {rig}'s lens and rig")


DIAGNOSTIC_DOMAINS: dict[str, Domain] = {d.name: d for d in (through_rig("camera", "clean"), through_rig("clean", "vivid"))}


def get_domain(name: str) -> Domain:
    known = {**DOMAINS, **DIAGNOSTIC_DOMAINS}
    if name not in known:
        raise ValueError(f"unknown world domain {name!r}; choose one of: {', '.join(known)}")
    return known[name]
