"""Diagnostic domains: one domain's streets and looks through another domain's rig."""

import math

import pytest

from atdt.world import render
from atdt.world.domains import DIAGNOSTIC_DOMAINS, DOMAINS, get_domain, through_rig


@pytest.mark.parametrize("name", DIAGNOSTIC_DOMAINS)
def test_a_diagnostic_domain_films_its_streets_through_the_other_rig(name):
    streets, rig = name.removesuffix("_rig").split("_")
    d = get_domain(name)
    assert d == through_rig(streets, rig)
    assert (d.focal, d.camera_height, d.pitch_deg) == (DOMAINS[rig].focal, DOMAINS[rig].camera_height,
                                                       DOMAINS[rig].pitch_deg)
    assert (d.palette, d.texture_strength, d.road_width) == (DOMAINS[streets].palette, DOMAINS[streets].texture_strength,
                                                            DOMAINS[streets].road_width)
    camera = render(name, 0, "val", (16, 32))["camera"]
    assert DOMAINS[rig].camera_height[0] <= camera["height"] <= DOMAINS[rig].camera_height[1]
    low, high = (math.radians(p) for p in DOMAINS[rig].pitch_deg)
    assert low - 1e-9 <= camera["pitch"] <= high + 1e-9
    assert camera["fx"] == pytest.approx(DOMAINS[rig].focal * 32, rel=0.05)  # jittered per sample


def test_an_unknown_domain_lists_the_diagnostic_ones():
    with pytest.raises(ValueError, match="clean_vivid_rig"):
        get_domain("clean_camera_rig")
