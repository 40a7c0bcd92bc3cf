"""The paper preset on a GPU: `atdt run paper` for a few hundred steps per network, on the
embedded world rendered at 512x1024 (the preset's 512x512 crops, dilated ResNet-50 at output
stride 8, bf16), with each network's throughput and peak GPU memory read from its training log.

    python benchmarks/paper_gpu.py --out runs/paper-gpu [--steps 200] [--size 512x1024] [KEY=VALUE ...]

Extra KEY=VALUE arguments go to `atdt run paper` (e.g. a CPU dry run at toy scale:
network.encoder=resnet18 runtime.precision=32-true n1.crop=[32,32] ...). Writes
OUT/paper_gpu.json and OUT/paper_gpu.md; the rendered world and the runs stay under OUT.
Timing starts at each network's first logged step, so start-up and cuDNN's autotuning are left out.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

NETWORKS = {"n1": "N1 (T1 on A+B)", "n2": "N2 (T2 on A)", "oracle": "Oracle (T2 on B)", "transfer": "G (E1 -> E2 features on A)"}


def atdt(*args: str) -> tuple[float, int]:
    """Seconds and exit status of one atdt command."""
    start = time.perf_counter()
    status = subprocess.run([sys.executable, "-m", "atdt", *args]).returncode
    return time.perf_counter() - start, status


def render(root: Path, size: str, count: int, eval_count: int) -> float:
    seconds = 0.0
    for domain in ("clean", "camera"):
        for split, n in (("train", count), ("val", eval_count), ("test", eval_count)):
            took, status = atdt("world", "make", "--domain", domain, "--split", split, "--count", str(n), "--size", size,
                                "--out", str(root / domain), "--quiet")
            if status:
                sys.exit(f"atdt world make failed for {domain}/{split} (exit status {status})")
            seconds += took
    return seconds


def speed(run: Path) -> dict:
    """Steps/s and images/s between the first and last logged step; the largest logged peak memory."""
    import yaml

    rows = list(csv.DictReader((run / "logs" / "train.csv").open()))
    config = yaml.safe_load((run / "config.yaml").read_text())
    batch = (config.get("train") or config["transfer"]["train"])["batch_size"]  # a task network's, or G's
    first, last = rows[0], rows[-1]
    steps_per_s = (int(last["step"]) - int(first["step"])) / (float(last["seconds"]) - float(first["seconds"]))
    memory = [float(r["max_memory_gib"]) for r in rows if r.get("max_memory_gib")]
    return {"steps": int(last["step"]), "batch_size": batch, "steps_per_s": round(steps_per_s, 3),
            "images_per_s": round(steps_per_s * batch, 1), "ms_per_step": round(1000 / steps_per_s, 1),
            "max_memory_gib": max(memory) if memory else None, "seconds": float(last["seconds"])}


def device() -> dict:
    import torch

    info = {"torch": torch.__version__, "device": "cpu"}
    if torch.cuda.is_available():
        info.update(device=torch.cuda.get_device_name(0),
                    memory_gib=round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1))
    return info


def markdown(report: dict) -> str:
    lines = [f"# The paper preset on {report['device']['device']}", "",
             f"`{report['command']}`", "",
             f"torch {report['device']['torch']}; world rendered at {report['size']} in {report['render_s']:.0f} s; "
             f"`atdt run paper` took {report['run_s']:.0f} s in all (training, evaluation, figures)"
             + (f" and FAILED with exit status {report['exit_status']}." if report["exit_status"] else "."), "",
             "| network | steps | batch | steps/s | images/s | ms/step | peak GPU memory (GiB) |",
             "|---|---|---|---|---|---|---|"]
    for key, row in report["networks"].items():
        memory = "-" if row["max_memory_gib"] is None else f"{row['max_memory_gib']:.2f}"
        lines.append(f"| {NETWORKS[key]} | {row['steps']} | {row['batch_size']} | {row['steps_per_s']:.2f} | "
                     f"{row['images_per_s']:.1f} | {row['ms_per_step']:.0f} | {memory} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=200, help="steps of every network (default 200)")
    parser.add_argument("--size", default="512x1024", help="world images, HxW (default 512x1024)")
    parser.add_argument("--count", type=int, default=48, help="training images per domain (default 48)")
    parser.add_argument("--eval-count", type=int, default=8, help="val and test images per domain (default 8)")
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE overrides for `atdt run paper`")
    args = parser.parse_args()

    data, run = args.out / "world", args.out / "run"
    render_s = render(data, args.size, args.count, args.eval_count)
    schedules = [f"{block}.{key}={value}" for block in ("n1", "n2", "oracle", "transfer.train")
                 for key, value in (("steps", args.steps), ("log_every", 10))]
    run_args = ["paper", "task_source=semantic", "task_target=depth", "seeds=[0]",
                f"domain_a.root={data / 'clean'}", f"domain_b.root={data / 'camera'}", f"out={run}",
                *schedules, *args.overrides]
    run_s, status = atdt("run", *run_args)
    seed = run / "paper" / "seed0"  # a failed run (out of memory, say) still reports the networks it trained
    results = seed / "results.json"
    report = {"command": "atdt run " + " ".join(run_args), "exit_status": status, "size": args.size,
              "render_s": round(render_s, 1), "run_s": round(run_s, 1), "device": device(),
              "networks": {key: speed(seed / key) for key in NETWORKS if (seed / key / "logs" / "train.csv").is_file()},
              "results": json.loads(results.read_text()) if results.is_file() else None}
    (args.out / "paper_gpu.json").write_text(json.dumps(report, indent=2))
    (args.out / "paper_gpu.md").write_text(markdown(report))
    print(markdown(report))
    sys.exit(status)


if __name__ == "__main__":
    main()
