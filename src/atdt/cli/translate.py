"""Train CycleGAN between domains A and B, then write "B like A": every image of B's train, val
and test splits translated to look like A, with B's labels and cameras, as a world-format dataset
(paper supp. Sec. 1.4). A and B are NAME:ROOT dataset specs of any format.

Examples:
  atdt translate world:data/world/clean world:data/world/camera domain_b.depth_root=data/world/camera-proxy
  atdt translate carla:/data/carla cityscapes:/data/cityscapes --preset paper --out runs/translate/cs-like-carla
Then: load_dataset("world", "<out>/b_like_a", "test"), or domain_b.root=<out>/b_like_a in an experiment.
"""

from __future__ import annotations

from atdt.cli.common import add_overrides, add_wait
from atdt.presets import resolve_translation


def parse_domain(text: str) -> tuple[str, str]:
    """``NAME:ROOT`` -> (name, root)."""
    name, _, root = text.partition(":")
    if not name or not root:
        raise ValueError(f"a domain must look like NAME:ROOT (e.g. world:data/world/clean), got {text!r}")
    return name, root


def add_arguments(parser) -> None:
    parser.add_argument("a", metavar="A", help="the domain to look like, NAME:ROOT (e.g. world:data/world/clean)")
    parser.add_argument("b", metavar="B", help="the domain to translate, NAME:ROOT (e.g. world:data/world/camera)")
    add_overrides(parser)
    parser.add_argument("--preset", default="demo",
                        help="demo (CPU minutes, 64x128 images), paper (200k steps, 400x400 crops, GPU) or a YAML file")
    parser.add_argument("--out", help="run folder (default: the preset's `out`); the dataset goes to OUT/b_like_a")
    parser.add_argument("--accelerator", help="auto | cpu | cuda | mps")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_wait(parser)


def run(args) -> int:
    from atdt.config import TranslationRunConfig
    from atdt.translation import run_translation
    from atdt.typed_config import load_config

    preset = resolve_translation(args.preset)
    overrides = []
    for key, spec in (("domain_a", args.a), ("domain_b", args.b)):
        name, root = parse_domain(spec)
        overrides += [f"{key}.name={name}", f"{key}.root={root}"]
    overrides += list(args.overrides)
    for flag, key in ((args.out, "out"), (args.accelerator, "runtime.accelerator")):
        if flag is not None:
            overrides.append(f"{key}={flag}")
    if args.quiet:
        overrides.append("runtime.progress=false")
    cfg = load_config(TranslationRunConfig, preset, overrides)
    result = run_translation(cfg, wait=args.wait)
    print(f"run folder:    {result['run']}")
    print(f"B like A:      {result['dataset']}  (load_dataset(\"world\", root, split); domain_b.root=...)")
    if result["proxy"]:
        print(f"proxy depth:   {result['proxy']}  (domain_b.depth_root=...)")
    print(f"distances:     {result['run']}/distances.json")
    if result["contact_sheet"]:
        print(f"contact sheet: {result['contact_sheet']}")
    return 0
