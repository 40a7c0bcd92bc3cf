"""Stereo proxy depth labels: OpenCV semi-global matching on the left/right images, a
left-right consistency check, disparity -> metres with each image's camera.

Example: atdt proxy-depth world data/world/camera --split train --out data/world/camera-proxy
Train on them with DataConfig.depth_root (e.g. domain_b.depth_root=data/world/camera-proxy)."""

from __future__ import annotations

from atdt.cli.common import positive_int


def add_arguments(parser) -> None:
    parser.add_argument("name", help="dataset format with a right view: world, cityscapes, kitti, ...")
    parser.add_argument("root")
    parser.add_argument("--out", required=True, help="folder for the depth PNGs (metres x 256, 0 = invalid)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--workers", type=positive_int, default=2, help="threads (default: 2)")
    parser.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from atdt.cli.common import output_folder
    from atdt.data import load_dataset
    from atdt.stereo import write_proxy_depth

    output_folder(args.out)
    dataset = load_dataset(args.name, args.root, args.split)
    summary = write_proxy_depth(dataset, args.out, workers=args.workers, progress=not args.quiet)
    print(f"{summary['images']} proxy depth maps in {args.out}: {100 * summary['density']:.1f}% of pixels kept")
    if "abs_rel" in summary:
        print(f"against the exact depth: abs rel {summary['abs_rel']:.3f}, {100 * summary['within_5']:.1f}% within 5%, "
              f"{100 * summary['within_10']:.1f}% within 10%")
    return 0
