"""Render the embedded procedural street world: `atdt world make|list`."""

from __future__ import annotations

from atdt.cli.common import positive_int


def _size(text: str) -> tuple[int, int]:
    import argparse

    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 128x256 (HxW), got {text!r}") from None
    return h, w


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="world_command", metavar="ACTION", required=True)
    make = sub.add_parser("make", help="write a dataset split to disk (resumable, parallel)")
    make.add_argument("--domain", required=True, help="domain preset (see `atdt world list`)")
    make.add_argument("--split", default="train", help="train | val | test (default: train)")
    make.add_argument("--count", type=positive_int, required=True, help="number of samples")
    make.add_argument("--size", type=_size, default=(128, 256), help="HxW (default: 128x256)")
    make.add_argument("--out", required=True, help="dataset root (several splits may share it)")
    make.add_argument("--workers", type=positive_int, default=None, help="processes (default: all cores, at most 8)")
    make.add_argument("--start", type=int, default=0, help="first sample index (default: 0)")
    make.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list the domain presets")


def run(args) -> int:
    if args.world_command == "list":
        from atdt.world.domains import DOMAINS

        for name, domain in DOMAINS.items():
            print(f"{name:8s} {domain.description}")
        return 0
    import time

    from atdt.cli.common import output_folder
    from atdt.world.writer import make_dataset

    output_folder(args.out)
    t0 = time.perf_counter()
    summary = make_dataset(args.domain, args.split, args.count, args.size, args.out,
                           workers=args.workers, start=args.start, progress=not args.quiet)
    seconds = time.perf_counter() - t0
    print(f"{summary['count']} samples of {args.domain}/{args.split} in {summary['out']} "
          f"({args.count / seconds:.1f} samples/s this run)")
    lo, hi = summary["depth_range"]
    print(f"depth range: {lo:.2f} .. {hi:.2f} m (sky excluded)" if lo is not None else "depth range: -")
    print("class pixel frequency: " + ", ".join(f"{c} {100 * f:.1f}%" for c, f in summary["class_frequency"].items()))
    print(f"preview: {summary['out']}/preview_{args.split}.png")
    return 0
