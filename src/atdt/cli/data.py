"""Inspect datasets on disk: `atdt data check NAME ROOT [--split S]`.

Reports counts per split, missing or unpaired files, unreadable images, label ids outside the
class table and size mismatches; exits with status 1 when anything is wrong (0 with --skip-bad,
which counts and lists the bad samples that training would skip)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="check a dataset's files")
    check.add_argument("name", help="world, cityscapes, kitti, synthia, carla or filelist")
    check.add_argument("root")
    check.add_argument("--split", help="one split only (default: every split the format knows)")
    check.add_argument("--skip-bad", action="store_true", help="report bad samples as skipped instead of failing")
    check.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from atdt.data.check import check_dataset

    reports = check_dataset(args.name, args.root, args.split, progress=not args.quiet)
    problems = 0
    for r in reports:
        if r.missing:
            print(f"{r.split}: not available ({r.missing})")
            continue
        status = "ok" if not r.bad else f"{len(r.bad)} problem(s)"
        print(f"{r.split}: {r.samples} samples, {status}")
        for line in r.bad:
            print(f"  {line}")
        problems += len(r.bad)
    if all(r.missing for r in reports):
        print(f"no split of {args.name} found under {args.root}")
        return 1
    if problems and args.skip_bad:
        print(f"{problems} bad sample(s) would be skipped")
        return 0
    return 1 if problems else 0
