"""Inspect datasets on disk: `atdt data check NAME ROOT [--split S] [--option KEY=VALUE]`; write one in
the folder format of your own data: `atdt data export NAME ROOT --out DIR` (docs/datasets.md).

Reports, per split, everything that would later stop or spoil a training or an evaluation (the
list below), each problem with its file, and exits with status 1 when anything is wrong. With
--skip-bad it exits 0 as long as every split keeps samples that load and nothing else is wrong
that training reads: training leaves out the bad samples when the domain's config says
`skip_bad: true` (e.g. `atdt run demo domain_b.skip_bad=true`); unpaired files are never read."""

from __future__ import annotations

import argparse

# what atdt.data.check checks, in the user's words (its docstring says the same)
CHECKS = """\
checks, for each split:
  - it opens: world.json and the split list (or file list) are well formed
  - it is not empty, no sample id or image file is listed twice, and no id leaves the dataset's
    folder (absolute, empty or '..')
  - every sample loads: no missing, unreadable or corrupt file; no image over the pixel limit
    (8192x8192; ATDT_MAX_IMAGE_PIXELS raises it); label ids inside the class table;
    semantic labels single-channel, depth/disparity/normals 16-bit; each label the size of its
    image; camera values (fx, fy, cx, cy, baseline) finite and not negative
  - stereo pairs: each right view exists and has its left view's size; no unpaired file
  - every image has the size of the others (training stacks images of one size into batches)
  - each label the split carries has a valid pixel in some sample (not all 255 = ignore, depth
    within range, normals non-zero): a test split without one has nothing to score
exit status 1 if anything is wrong (with --skip-bad: 0 when every split keeps samples that load
and nothing else is wrong that training would read)"""


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="check a dataset's files", description=__doc__, epilog=CHECKS,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("name", help="world, cityscapes, kitti, synthia, carla, filelist or folder (your own data)")
    check.add_argument("root")
    check.add_argument("--split", help="one split only (default: every split the format knows)")
    check.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a format option, as in a domain's `options:` (e.g. crop=kitti_eval, "
                       "semantic_encoding=ids); repeatable")
    check.add_argument("--skip-bad", action="store_true",
                       help="exit 0 if training can skip the bad samples (with `skip_bad: true` in the domain's config)")
    check.add_argument("--quiet", action="store_true")
    export = sub.add_parser("export", help="write a dataset in the folder format of your own data")
    export.add_argument("name", help="the dataset's format (world, cityscapes, ...)")
    export.add_argument("root")
    export.add_argument("--out", required=True, help="the folder dataset to write (docs/datasets.md)")
    export.add_argument("--split", action="append", help="a split to export (repeat; default: every split there is)")
    export.add_argument("--domain", help="the domain's name in folder.yaml (default: the --out folder's name)")
    export.add_argument("--quiet", action="store_true")


def parse_options(texts: list[str]) -> dict:
    """["crop=kitti_eval", "fx=721.5"] -> {"crop": "kitti_eval", "fx": 721.5} (values read as YAML)."""
    from atdt.typed_config import parse_override

    options = {}
    for text in texts:
        path, value = parse_override(text)
        options[".".join(path)] = value
    return options


def run(args) -> int:
    if args.data_command == "export":
        return export(args)
    from atdt.data.check import check_dataset

    options = parse_options(args.option)
    try:
        reports = check_dataset(args.name, args.root, args.split, progress=not args.quiet, **options)
    except TypeError as err:
        if not options:  # not the user's option: a bug, with its traceback
            raise
        raise ValueError(f"--option: {err}") from None  # most likely an option the format does not take
    problems = 0
    for r in reports:
        if r.missing:
            print(f"{r.split}: not available ({r.missing})")
            continue
        status = "ok" if not r.bad else f"{r.problems} problem(s)"
        print(f"{r.split}: {r.samples} samples, {status}")
        for line in r.bad:
            print(f"  {line}")
        problems += r.problems
    available = [r for r in reports if not r.missing]
    if not available:
        print(f"no split of {args.name} found under {args.root}")
        return 1
    if problems and args.skip_bad:
        skipped = sum(r.bad_samples for r in available)
        blocking = sum(r.blocking for r in available)
        print(f"{skipped} sample(s) that fail to load are left out of training with `skip_bad: true` in the domain's "
              f"config (e.g. domain_b.skip_bad=true); {blocking} problem(s) that skipping cannot mend (broken lists, "
              f"ids listed twice, odd image sizes, no valid label); {problems - skipped - blocking} other "
              "problem(s) (unpaired files, stereo pairs, empty splits) are not read by training")
        return 0 if all(r.usable for r in available) else 1
    return 1 if problems else 0


def export(args) -> int:
    from pathlib import Path

    from atdt.cli.common import output_folder
    from atdt.data import load_dataset
    from atdt.data.check import splits_of
    from atdt.data.export import export_folder

    output_folder(args.out)
    splits = {}
    for split in args.split or splits_of(args.name, args.root):
        try:
            splits[split] = load_dataset(args.name, args.root, split)
        except FileNotFoundError as err:
            if args.split:  # asked for by name: an error
                raise
            print(f"{split}: not available ({err})")
    if not splits:
        raise FileNotFoundError(f"no split of {args.name} found under {args.root}")
    counts = export_folder(splits, args.out, domain=args.domain or Path(args.out).resolve().name, progress=not args.quiet)
    print(f"{args.out}: " + ", ".join(f"{split} {n} samples" for split, n in counts.items()))
    print(f"check it with: atdt data check folder {args.out}")
    return 0
