"""The standard world data shared by the demo and the studies: rendered once, proxy depth once,
and which domains a set of configs reads."""

from pathlib import Path

from atdt.config import DataConfig
from atdt.world.standard import ensure_world_data, world_data_needed


def test_ensure_world_data_renders_once_and_computes_proxy_depth_once(tmp_path):
    kwargs = {"root": tmp_path, "size": (32, 64), "counts": {"train": 2, "val": 1, "test": 1}, "progress": False}
    printed = []
    summaries = ensure_world_data(["clean"], ["camera"], print_fn=printed.append, **kwargs)
    for domain in ("clean", "camera"):
        assert [len((tmp_path / domain / f"{s}.txt").read_text().split()) for s in ("train", "val", "test")] == [2, 1, 1]
    assert set(summaries) == {"camera"} and 0 < summaries["camera"]["density"] <= 1
    assert len(list((tmp_path / "camera-proxy").rglob("*.png"))) == 2 and "proxy depth of camera/train" in printed[0]
    assert not (tmp_path / "clean-proxy").exists()
    stamp = (tmp_path / "clean" / "train.txt").stat().st_mtime_ns
    assert ensure_world_data(["clean", "camera"], ["camera"], print_fn=printed.append, **kwargs) == {}
    assert (tmp_path / "clean" / "train.txt").stat().st_mtime_ns == stamp and len(printed) == 1


def test_world_data_needed_reads_only_the_standard_folders():
    datas = [DataConfig(root="data/world/vivid"), DataConfig(root="data/world/camera", depth_root="data/world/camera-proxy"),
             DataConfig(root="data/world/vivid"), DataConfig(root="/elsewhere/clean"),
             DataConfig(name="cityscapes", root="data/world/clean"), DataConfig(root="data/world/nope"),
             DataConfig(root="data/world/clean", depth_root="/my/proxy")]
    assert world_data_needed(datas) == (["vivid", "camera", "clean"], ["camera"])
    assert world_data_needed(datas, root=Path("/elsewhere")) == (["clean"], [])
