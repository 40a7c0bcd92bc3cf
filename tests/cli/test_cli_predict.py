"""`atdt predict` never overwrites an input and never writes through a link; a full disk leaves
no truncated output. Real predictor files, real images, real processes."""

import os
import subprocess
import sys

import numpy as np
import pytest
from predictor_file import tiny_predictor

from atdt.cli import main
from atdt.data.io import write_image

# atdt under a 8 KiB file-size limit: writing more fails with EFBIG, as on a full disk
FULL_DISK = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
             "resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192)); from atdt.cli import main; "
             "sys.exit(main(sys.argv[1:]))")


def _atdt(*args, prefix=("-m", "atdt")):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *prefix, *map(str, args)], capture_output=True, text=True, timeout=300,
                          check=False, env=env)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    return tiny_predictor(tmp_path_factory.mktemp("predictor") / "p.pt")[0]


def _photo(path, seed):
    write_image(path, np.random.default_rng(seed).integers(0, 256, (32, 64, 3), dtype=np.uint8))
    return path


def test_an_output_that_would_replace_an_input_is_refused_before_any_work(predictor, tiny_world, tmp_path, capsys):
    a, mine = _photo(tmp_path / "a.png", 0), _photo(tmp_path / "a_semantic.png", 1)  # the user's own photo
    before = mine.read_bytes()
    done = _atdt("predict", predictor, a, mine, "--out", tmp_path)
    assert done.returncode == 2 and f"would overwrite the input {mine}" in done.stderr
    assert mine.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a_semantic.png"]  # nothing written
    # the scores of `atdt evaluate` must not replace the predictor either
    model = predictor.read_bytes()
    assert main(["evaluate", str(predictor), "--data", f"world:{tiny_world / 'camera'}:test", "--json",
                 str(predictor)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err and predictor.read_bytes() == model


def test_outputs_replace_links_planted_at_their_names_instead_of_writing_through(predictor, tmp_path):
    image = _photo(tmp_path / "in" / "street.png", 2)
    victims = {suffix: tmp_path / f"victim{suffix}" for suffix in (".png", ".npy")}
    out = tmp_path / "out"
    out.mkdir()
    for suffix, victim in victims.items():
        victim.write_bytes(b"precious")
        (out / f"street_semantic{suffix}").symlink_to(victim)
    done = _atdt("predict", predictor, image, "--out", out)
    assert done.returncode == 0, done.stderr
    assert all(v.read_bytes() == b"precious" for v in victims.values())
    assert not (out / "street_semantic.npy").is_symlink() and np.load(out / "street_semantic.npy").shape == (32, 64)


def test_a_full_disk_leaves_the_previous_output_whole_and_no_temporary_file(predictor, tmp_path):
    out = tmp_path / "out"
    assert _atdt("predict", predictor, _photo(tmp_path / "a" / "street.png", 3), "--out", out).returncode == 0
    before = (out / "street_semantic.npy").read_bytes()
    assert len(before) > 8192  # the limit cuts this file
    done = _atdt("predict", predictor, _photo(tmp_path / "b" / "street.png", 4), "--out", out, prefix=("-c", FULL_DISK))
    assert done.returncode != 0
    assert (out / "street_semantic.npy").read_bytes() == before  # np.save left 8192 bytes of a new array here
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
