"""The AT/DT experiment end to end on the `tiny` preset: steps, comparisons, reuse, resume."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from atdt.cli import main
from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network
from atdt.engine.train_variants import load_multitask_network
from atdt.method.predictor import load_predictor
from atdt.presets import resolve_experiment
from atdt.tasks import TASKS, get_task
from atdt.typed_config import load_config
from scores import same_scores
from training_outcomes import logged


def _run(overrides, capsys=None):
    assert main(["run", "tiny", *overrides]) == 0
    return capsys.readouterr().out if capsys else ""


def test_tiny_preset_runs_all_steps_and_comparisons(tiny_overrides, tmp_path, capsys):
    out = _run(tiny_overrides, capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    results = json.loads((seed / "results.json").read_text())
    assert results["task_source"] == "depth" and results["task_target"] == "semantic"
    assert results["domain_a"] == "world/clean" and results["domain_b"] == "world/camera"
    assert set(results["methods"]) == {"baseline", "atdt", "oracle"}
    for scores in results["methods"].values():
        assert {"miou", "acc", "iou"} <= set(scores) and len(scores["iou"]) == 11
    assert set(results["on_domain_a"]) == {"n2", "atdt"}
    md = (seed / "results.md").read_text()
    assert "| Method | Road |" in md and "Baseline" in md and "Oracle" in md
    figure = cv2.imread(str(seed / "figures" / "qualitative.png"))
    assert figure is not None and figure.shape[0] > 100
    assert "Baseline" in out and "results:" in out
    # G trained for the preset's 10 steps, logging every 2nd (that G fits its features: tests/method/test_steps.py)
    assert logged(seed / "transfer", "step") == [2, 4, 6, 8, 10]


def test_predictor_composes_e1_g_d2(tiny_overrides, tmp_path):
    _run(tiny_overrides + ["task_source=semantic", "task_target=depth"])
    seed = tmp_path / "runs" / "tiny" / "seed0"
    predictor, task = load_predictor(seed / "atdt_predictor.pt")
    assert task.name == "depth"
    n1, _, _ = load_task_network(seed / "n1")
    n2, _, _ = load_task_network(seed / "n2")
    from atdt.engine import load_checkpoint
    from atdt.method.steps import build_transfer

    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides)
    g = build_transfer(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], cfg.transfer)
    g.load_state_dict(load_checkpoint(seed / "transfer" / "checkpoints" / "final.ckpt")["model"])
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        manual = n2.decode([g.eval()(n1.encode(x)[-1])], (32, 64))
        assert torch.allclose(predictor(x), manual, atol=1e-6)
        assert not torch.allclose(predictor(x), n2(x), atol=1e-3)  # it is not the Baseline
    results = json.loads((seed / "results.json").read_text())
    assert {"abs_rel", "sq_rel", "rmse", "rmse_log", "d1", "d2", "d3"} <= set(results["methods"]["atdt"])
    assert results["depth_scale"] != 1.0  # clean and camera have different focal lengths


def test_a_timm_encoder_trains_the_tiny_preset_from_scratch(tiny_overrides, tmp_path):
    """network.encoder=timm:<name>: N1, N2 and G train, and the exported predictor reloads to the
    composition of the reloaded networks (mechanics only: shapes, end to end, identical outputs)."""
    _run(tiny_overrides + ["network.encoder=timm:resnet10t", "methods=[atdt]"])
    seed = tmp_path / "runs" / "tiny" / "seed0"
    predictor, task = load_predictor(seed / "atdt_predictor.pt")
    n1, _, config = load_task_network(seed / "n1")
    n2, _, _ = load_task_network(seed / "n2")
    assert config["network"]["encoder"] == "timm:resnet10t" and type(n1.encoder).__name__ == "TimmEncoder"
    from atdt.engine import load_checkpoint
    from atdt.method.steps import build_transfer

    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides + ["network.encoder=timm:resnet10t"])
    g = build_transfer(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], cfg.transfer)
    g.load_state_dict(load_checkpoint(seed / "transfer" / "checkpoints" / "final.ckpt")["model"])
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        features = n1.encode(x)
        assert [f.shape[1] for f in features] == [64, 128, 256, 512] and features[-1].shape[-2:] == (1, 2)
        out = predictor(x)
        assert out.shape == (2, task.out_channels, 32, 64)
        assert torch.allclose(out, n2.decode([g.eval()(features[-1])], (32, 64)), atol=1e-6)
    assert "atdt" in json.loads((seed / "results.json").read_text())["methods"]


def test_finished_steps_are_reused_and_a_changed_config_reruns(tiny_overrides, tmp_path, capsys):
    _run(tiny_overrides, capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    first_bytes = (seed / "results.json").read_bytes()
    first = json.loads(first_bytes)
    out = _run(tiny_overrides, capsys)  # nothing changed: neither training nor evaluation runs again
    assert out.count(": reused") == 5 and "evaluation: reused" in out
    assert (seed / "results.json").read_bytes() == first_bytes
    # how often we log and checkpoint, loader workers and the evaluation splits train nothing;
    # other evaluation splits are scored anew
    cosmetic = ["n1.log_every=1", "n1.ckpt_every=1", "n2.num_workers=1", "transfer.train.log_every=1",
                "domain_a.test_split=val", "domain_b.val_split=test"]
    out = _run(tiny_overrides + cosmetic, capsys)
    assert out.count(": reused") == 4 and "changed" not in out and "evaluation: reused" not in out
    assert json.loads((seed / "results.json").read_text())["splits"] == {"a": "val", "b": "test"}
    out = _run(tiny_overrides + ["transfer.train.steps=12"], capsys)
    assert "transfer: config or inputs changed (train.steps), rerunning; previous run kept in" in out
    assert "n1: reused" in out and "n2: reused" in out and "oracle: reused" in out
    aside = [p for p in seed.iterdir() if p.name.startswith("transfer.")]
    assert len(aside) == 1 and (aside[0] / "checkpoints" / "final.ckpt").is_file()  # moved aside, not deleted
    out = _run(tiny_overrides, capsys)  # back to 10 steps: the first G comes back instead of retraining
    assert "transfer: restored the earlier run" in out and out.count(": reused") == 4
    assert json.loads((seed / "results.json").read_text())["methods"] == first["methods"]
    out = _run(tiny_overrides + ["transfer.train.steps=12", "n2.steps=7"], capsys)
    assert "n2: config or inputs changed (train.steps)" in out
    assert "transfer: config or inputs changed (builds_on[1], train.steps)" in out  # G depends on N2


def test_a_network_trained_by_another_experiment_is_adopted_not_retrained(tiny_overrides, tmp_path, capsys):
    """N2 and the Oracle do not depend on T1 or N1: a second experiment that only changes N1
    takes them from the first one (same bytes), and trains N1 and G itself."""
    _run(tiny_overrides + ["name=first"], capsys)
    out = _run(tiny_overrides + ["name=second", "n1.steps=4"], capsys)
    first, second = tmp_path / "runs" / "first" / "seed0", tmp_path / "runs" / "second" / "seed0"
    for step in ("n2", "oracle"):
        assert f"{step}: reused (same inputs as {first / step})" in out
        ckpt = Path("checkpoints") / "final.ckpt"
        assert (second / step / ckpt).read_bytes() == (first / step / ckpt).read_bytes()
    assert "n1: training" in out and "transfer: training" in out
    assert not (second / "n2" / "checkpoints" / "last.ckpt").exists()


def test_overwritten_training_images_are_not_served_stale(tiny_world, tmp_path, capsys):
    """Reuse is keyed on the data: rewriting A's images retrains what learnt from A, not the Oracle;
    the same data under another spelling of its path is the same data."""
    shutil.copytree(tiny_world / "clean", tmp_path / "data" / "clean")
    relative = [f"domain_a.root={os.path.relpath(tmp_path / 'data' / 'clean')}", f"domain_b.root={tiny_world / 'camera'}",
                f"out={tmp_path / 'runs'}"]
    _run(relative, capsys)
    absolute = [f"domain_a.root={tmp_path / 'data' / 'clean'}", *relative[1:]]
    assert _run(absolute, capsys).count(": reused") == 5  # the four networks and their evaluation
    image = tmp_path / "data" / "clean" / "train" / "image" / "000003.png"
    cv2.imwrite(str(image), 255 - cv2.imread(str(image)))
    out = _run(absolute, capsys)
    for step in ("n1", "n2", "transfer"):
        assert f"{step}: config or inputs changed" in out
    assert "data[0].files" in out and "oracle: reused" in out


def test_several_seeds_report_mean_and_std(tiny_overrides, tmp_path):
    _run(tiny_overrides + ["seeds=0,1", "n1.steps=2", "n2.steps=2", "oracle.steps=2", "transfer.train.steps=2"])
    agg = json.loads((tmp_path / "runs" / "tiny" / "results.json").read_text())
    assert agg["seeds"] == [0, 1] and "miou" in agg["std"]["methods"]["atdt"]
    assert "±" in (tmp_path / "runs" / "tiny" / "results.md").read_text()


def test_the_methods_list_decides_what_trains_and_what_is_reported(tiny_overrides, tmp_path, capsys):
    out = _run(tiny_overrides + ["methods=[baseline]"], capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    assert {p.name for p in seed.iterdir() if p.is_dir()} == {"n2", "figures"}  # no N1, G or Oracle
    results = json.loads((seed / "results.json").read_text())
    assert list(results["methods"]) == ["baseline"] and list(results["on_domain_a"]) == ["n2"]
    assert "transfer_loss" not in results and not (seed / "atdt_predictor.pt").exists()
    assert set(results["timings_s"]) == {"n2", "evaluate"}
    md = (seed / "results.md").read_text()
    assert "Baseline" in md and "AT/DT" not in md and "Oracle" not in md
    assert "Baseline" in out and "Oracle" not in out and "n2: training" in out and "n1:" not in out
    # the Oracle first, then the Baseline: N2 is reused, the Oracle trains; rows follow the list
    out = _run(tiny_overrides + ["methods=[oracle,baseline]"], capsys)
    assert "n2: reused" in out and "oracle: training" in out and "n1:" not in out
    results = json.loads((seed / "results.json").read_text())
    assert list(results["methods"]) == ["oracle", "baseline"] and list(results["on_domain_a"]) == ["n2"]
    md = (seed / "results.md").read_text()
    assert md.index("| Oracle |") < md.index("| Baseline |")
    assert out.index("Oracle") < out.rindex("Baseline")


def test_the_aggregate_over_seeds_follows_the_methods_list(tiny_overrides, tmp_path):
    _run(tiny_overrides + ["seeds=0,1", "n2.steps=2", "oracle.steps=2", "methods=[oracle,baseline]"])
    agg = json.loads((tmp_path / "runs" / "tiny" / "results.json").read_text())
    assert list(agg["methods"]) == ["oracle", "baseline"] and list(agg["std"]["methods"]) == ["oracle", "baseline"]
    assert "transfer_loss" not in agg and agg["figures"] == ["seed0/figures/qualitative.png"]
    md = (tmp_path / "runs" / "tiny" / "results.md").read_text()
    assert md.index("| Oracle |") < md.index("| Baseline |") and "AT/DT" not in md
    assert "(seed0/figures/qualitative.png)" in md


def test_only_rank_zero_writes_evaluates_and_prints(tiny_overrides, tmp_path):
    """Under DDP every process trains; a rank other than 0 writes no run folder, evaluates nothing,
    prints nothing and returns the results rank 0 broadcasts (through rank_zero_result; two real
    processes: tests/engine/test_fabric.py)."""
    from atdt.engine import make_fabric
    from atdt.method.experiment import run_seed

    class OtherRank:  # this process's fabric, as a rank other than 0 would see it
        is_global_zero = False

        def __init__(self, fabric):
            self.fabric, self.sent = fabric, []

        def broadcast(self, obj, src=0):  # rank 0's side of engine.fabric.rank_zero_result: ok, its result
            self.sent.append(obj)
            return True, {"from": "rank 0"}

        def __getattr__(self, name):
            return getattr(self.fabric, name)

    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides + ["methods=[baseline]"])
    folder, printed = tmp_path / "runs" / "tiny" / "seed0", []
    fabric = OtherRank(make_fabric(cfg.runtime))
    assert run_seed(cfg, folder, print_fn=printed.append, fabric=fabric) == {"from": "rank 0"}
    assert fabric.sent and all(obj is None for obj in fabric.sent) and printed == []
    assert not (tmp_path / "runs").exists()


def test_an_unknown_method_fails_naming_the_choices(tiny_overrides, tmp_path, capsys):
    assert main(["run", "tiny", *tiny_overrides, "methods=[baseline,cycle_gan]"]) == 2
    assert "methods: unknown 'cycle_gan'; choose from: baseline, atdt, oracle" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_result(tiny_overrides, tmp_path):
    longer = ["n1.steps=30", "n1.ckpt_every=5"]
    cmd = [sys.executable, "-m", "atdt", "run", "tiny", *tiny_overrides, *longer]
    reference = [o.replace(str(tmp_path / "runs"), str(tmp_path / "ref")) for o in cmd]
    subprocess.run(reference, check=True, capture_output=True, timeout=600)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    last = tmp_path / "runs" / "tiny" / "seed0" / "n1" / "checkpoints" / "last.ckpt"
    deadline = time.time() + 300
    while time.time() < deadline and not last.is_file():
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert last.is_file() and not (last.parent / "final.ckpt").is_file()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0 and "n1: resuming" in done.stdout
    a = json.loads((tmp_path / "ref" / "tiny" / "seed0" / "results.json").read_text())["methods"]
    b = json.loads((tmp_path / "runs" / "tiny" / "seed0" / "results.json").read_text())["methods"]
    assert a == b


def test_unknown_preset_and_key(tmp_path, capsys):
    assert main(["run", "nope"]) == 2
    assert "tiny, demo, paper" in capsys.readouterr().err
    assert main(["run", "tiny", "transfer.widht=3"]) == 2
    assert "transfer.widht" in capsys.readouterr().err


def test_every_method_of_the_studies_has_a_result_on_tiny_data(tiny_world, tiny_overrides, tmp_path, capsys):
    """No Transfer, AT/DT with separate N1 and with separate encoders beside the paper's three: each
    trains its networks (once: N2 serves five methods), gives scores on B and on A, and a column of
    the qualitative figure."""
    methods = ["baseline", "atdt", "no_transfer", "atdt_separate_n1", "atdt_separate_encoders", "oracle"]
    steps = ["n1.steps=2", "n2.steps=2", "oracle.steps=2", "transfer.train.steps=2"]
    out = _run(tiny_overrides + steps + [f"methods=[{','.join(methods)}]"], capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    results = json.loads((seed / "results.json").read_text())
    assert list(results["methods"]) == methods
    assert list(results["on_domain_a"]) == ["n2", "atdt", "no_transfer", "atdt_separate_n1", "atdt_separate_encoders"]
    for scores in [*results["methods"].values(), *results["on_domain_a"].values()]:
        valid = [v for v in scores["iou"].values() if v is not None and not math.isnan(v)]
        assert len(scores["iou"]) == 11 and math.isfinite(scores["acc"])
        assert scores["miou"] == pytest.approx(sum(valid) / len(valid))
    # No Transfer is the T2 head of the multi-task network, scored on B's test split
    head = load_multitask_network(seed / "multitask")[0].head("semantic")
    expected = evaluate(head, load_dataset("world", tiny_world / "camera", "test"), TASKS["semantic"], device="cpu",
                        progress=False)
    assert same_scores(results["methods"]["no_transfer"], expected)
    folders = {"n1", "n2", "oracle", "transfer", "n1_a", "n1_b", "transfer_sep_n1", "multitask", "n1_sepenc",
               "transfer_sepenc"}
    assert {p.name for p in seed.iterdir() if p.is_dir()} == folders | {"figures"}
    assert out.count("n2: training") == 1 and out.count(": training") == len(folders)
    md = (seed / "results.md").read_text()
    for label in ("No Transfer", "AT/DT (separate N1)", "AT/DT (separate encoders)"):
        assert f"| {label} |" in md and label in out


def test_normals_as_t2_are_scored_and_drawn(tiny_world, tiny_overrides, tmp_path, capsys):
    """The tasks study's Sem. -> Normals: angle metrics on B and A, the qualitative figure (RGB,
    Baseline, AT/DT, ground truth normals) as the paper's supplementary Fig. 4."""
    steps = ["n1.steps=2", "n2.steps=2", "transfer.train.steps=2", "methods=[baseline,atdt]"]
    _run(tiny_overrides + steps + ["task_source=semantic", "task_target=normals"], capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    results = json.loads((seed / "results.json").read_text())
    for scores in [*results["methods"].values(), *results["on_domain_a"].values()]:
        assert set(scores) == {"mean", "median", "a11", "a22", "a30"}
        assert math.isfinite(scores["mean"]) and scores["a11"] <= scores["a22"] <= scores["a30"]
    # the Baseline row is N2 (normals, trained on A) scored on B's test split, unscaled
    n2, task, _ = load_task_network(seed / "n2")
    expected = evaluate(n2, load_dataset("world", tiny_world / "camera", "test"), task, device="cpu", progress=False)
    assert task.name == "normals" and same_scores(results["methods"]["baseline"], expected)
    assert results["depth_scale"] == 1.0  # normals do not scale with the focal length
    figure = cv2.imread(str(seed / "figures" / "qualitative.png"))
    assert figure is not None and figure.shape[1] > figure.shape[0]  # 4 rows of RGB, 2 methods, ground truth
    assert "| Method | Mean | Median | <11.25° |" in (seed / "results.md").read_text()


def test_a_test_split_without_a_valid_label_stops_the_run_naming_it(tiny_overrides, tiny_world, tmp_path, capsys):
    blank = tmp_path / "blank"
    shutil.copytree(tiny_world / "camera", blank)
    for path in (blank / "test" / "semantic").glob("*.png"):
        cv2.imwrite(str(path), np.full((32, 64), 255, np.uint8))  # every pixel ignored
    overrides = [o if not o.startswith("domain_b.root=") else f"domain_b.root={blank}" for o in tiny_overrides]
    assert main(["run", "tiny", *overrides, "methods=[baseline]"]) == 2
    assert "world/camera split 'test': none of its 4 image(s) has a valid semantic label" in capsys.readouterr().err
    assert not (tmp_path / "runs" / "tiny" / "seed0" / "results.json").exists()  # no NaN scores written


FOUR = "methods=[baseline,atdt,cyclegan,atdt_cyclegan]"


def test_the_four_rows_of_tab3_come_from_one_experiment_and_the_translation_is_reused(tiny_world, tiny_overrides,
                                                                                      tmp_path, capsys):
    out = _run([*tiny_overrides, FOUR], capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    assert {"translation", "n1_cyclegan", "transfer_cyclegan", "n1", "n2", "transfer"} <= {p.name for p in seed.iterdir()}
    results = json.loads((seed / "results.json").read_text())
    assert list(results["methods"]) == ["baseline", "atdt", "cyclegan", "atdt_cyclegan"]
    for scores in results["methods"].values():
        assert {"miou", "acc", "iou"} <= set(scores) and len(scores["iou"]) == 11
    like_domain = "world/camera-like-clean"
    assert results["tested_on"] == {"baseline": "world/camera", "atdt": "world/camera",
                                    "cyclegan": like_domain, "atdt_cyclegan": like_domain}
    assert {"translation", "n1_cyclegan", "transfer_cyclegan"} <= set(results["timings_s"])
    md = (seed / "results.md").read_text()
    assert "| CycleGAN |" in md and "| AT/DT + CycleGAN |" in md and f"CycleGAN on {like_domain}" in md
    assert (seed / "figures" / "qualitative-b_like_a.png").is_file() and (seed / "figures" / "qualitative.png").is_file()
    assert "AT/DT + CycleGAN" in out  # the printed summary

    # the split the CycleGAN methods are scored on is the translated one: other images, B's labels
    like = load_dataset("world", seed / "translation" / "b_like_a", "test")
    b = load_dataset("world", tiny_world / "camera", "test")
    assert like.domain == like_domain and like.names == b.names
    for i in range(len(b)):
        x, y = b[i], like[i]
        assert not torch.allclose(x["image"], y["image"], atol=0.05)
        assert torch.equal(x["semantic"], y["semantic"]) and torch.equal(x["depth"], y["depth"])
    n2, _, _ = load_task_network(seed / "n2")
    task = get_task("semantic")
    assert same_scores(evaluate(n2.eval(), like, task, device="cpu", progress=False), results["methods"]["cyclegan"])
    # N1 of AT/DT + CycleGAN learnt from A and B like A (with B's proxy depth, copied beside it)
    n1_inputs = json.loads((seed / "n1_cyclegan" / "fingerprint.json").read_text())
    assert n1_inputs["data"][1]["domain"] == "b_like_a"
    assert n1_inputs["data"][1]["made_by"] == (seed / "translation" / "fingerprint.txt").read_text().strip()
    assert (seed / "translation" / "b_like_a-proxy" / "train").is_dir()

    # a second run: every network, the translation included, is reused; B like A is not rewritten
    image = seed / "translation" / "b_like_a" / "test" / "image" / f"{b.ids[0]}.png"
    ckpt = seed / "translation" / "checkpoints" / "final.ckpt"
    stamps = image.stat().st_mtime_ns, ckpt.stat().st_mtime_ns
    out = _run([*tiny_overrides, FOUR], capsys)
    assert out.count(": reused") == 7 and "translation: reused" in out and ": training" not in out
    assert "evaluation: reused" in out
    assert (image.stat().st_mtime_ns, ckpt.stat().st_mtime_ns) == stamps
    assert json.loads((seed / "results.json").read_text())["methods"] == results["methods"]
    # another translation setting retrains the translation and what learnt from its product, not N2
    out = _run([*tiny_overrides, FOUR, "translate.train.steps=3"], capsys)
    assert "translation: config or inputs changed (train.steps)" in out
    assert "n1_cyclegan: config or inputs changed (data[1].made_by)" in out and "n2: reused" in out
