"""Run a study (a list of AT/DT experiments on one base preset) and write its report: tables in
the paper's layout beside the paper's numbers, one chart per table, a JSON file of the numbers.

STUDY is a YAML file or a shipped study (experiments/studies/, docs/studies.md): reproduce, cyclegan,
transfer_level, shared_n1, batch_norm, no_transfer, separate_encoders, tasks, auxiliary,
thin_classes, multiscale. Examples:
  atdt study reproduce                      # the paper's Tab. 1-2 on the embedded world -> docs/results.md
  atdt study transfer_level                 # Fig. 4 -> runs/transfer_level/study.md, study.json, *.png
  atdt study reproduce seeds=0 n1.steps=50  # overrides apply to every point
  atdt study cyclegan --doc docs/studies/cyclegan.md  # Tab. 3-4: Baseline, AT/DT, CycleGAN, AT/DT + CycleGAN
  atdt study cyclegan --points dep2sem-clean-camera  # only that point, run and reported (Tab. 3)
The standard world data the points read (data/world/<domain>, proxy depth) is rendered first when
missing. Rerunning the command resumes: finished steps are reused, killed ones resume.
"""

from __future__ import annotations

from pathlib import Path

from atdt.cli.common import add_wait


def add_arguments(parser) -> None:
    parser.add_argument("study", help="study YAML file or shipped study name (experiments/studies/)")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides for every point, e.g. seeds=0")
    parser.add_argument("--doc", default=None, metavar="PATH",
                        help="markdown report to write (default: the study file's doc: for the whole study, e.g. "
                        "docs/results.md for reproduce, its charts and JSON in docs/results/; otherwise "
                        "<out>/<study>/study.md with study.json and the charts beside it); with PATH, charts and "
                        "JSON go to PATH without its suffix")
    parser.add_argument("--points", default=None, metavar="NAME[,NAME...]",
                        help="run and report only these points of the study (default: all)")
    add_wait(parser)


def run(args) -> int:
    from atdt.engine import make_fabric
    from atdt.engine.fabric import is_global_zero, rank_zero_result
    from atdt.method.methods import report_names
    from atdt.method.study import run_study
    from atdt.method.study_file import load_study, point_configs, select_points
    from atdt.presets import resolve_study
    from atdt.report.study import write_study_report
    from atdt.world.standard import ensure_world_data, world_data_needed

    study = load_study(resolve_study(args.study))
    if args.points:
        study = select_points(study, [name.strip() for name in args.points.split(",") if name.strip()])
    configs = point_configs(study, args.overrides)  # every point's config loads before anything runs
    domains, proxy = world_data_needed(d for _, cfg in configs for d in (cfg.domain_a, cfg.domain_b))
    if domains:
        fabric = make_fabric(configs[0][1].runtime)  # under DDP: rank 0 renders, the other processes wait

        def render():
            print(f"[study {study.name}] world data: {', '.join(domains)}"
                  + (f"; proxy depth: {', '.join(proxy)}" if proxy else ""))
            ensure_world_data(domains, proxy)

        rank_zero_result(fabric, render)
    points = run_study(study, args.overrides, wait=args.wait)
    if not is_global_zero():  # every process holds the same results: rank 0 writes the report
        return 0
    where = {}
    if args.doc:
        doc = Path(args.doc)
    elif study.doc and not args.points:  # a few points must not overwrite the whole study's page
        doc = Path(study.doc)
    else:
        root = Path(configs[0][1].out) / study.name
        doc, where = root / "study.md", {"assets": root, "json_path": root / "study.json"}
    command = " ".join(["atdt study", args.study, *args.overrides] + (["--points", args.points] if args.points else [])
                       + (["--doc", args.doc] if args.doc else []))
    written = write_study_report(study, points, doc, command=command, names=report_names(), **where)
    print(f"\nreport: {written['doc']}\nnumbers: {written['json']}")
    for chart in written["charts"]:
        print(f"chart:  {chart}")
    return 0
