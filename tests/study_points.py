"""Hand-made results of study points (``atdt.method.study.PointResult``) for the report tests."""

from atdt.data import CLASSES
from atdt.method.study import PointResult
from atdt.method.study_file import Point


def sem_scores(miou):
    return {"iou": {c: miou for c in CLASSES}, "miou": miou, "acc": miou + 40}


def dep_scores(abs_rel):
    return {"abs_rel": abs_rel, "sq_rel": 1.0, "rmse": 5.0, "rmse_log": 0.3, "d1": 1 - abs_rel, "d2": 0.9, "d3": 0.95}


def seed_results(seed, make, baseline, atdt, oracle):
    return {"seed": seed, "methods": {"baseline": make(baseline), "atdt": make(atdt), "oracle": make(oracle)}}


def point_result(name, table, label, task_source, task_target, make, per_seed, domains=("world/vivid", "world/clean")):
    key = "miou" if task_target == "semantic" else "abs_rel"
    methods = {m: make(sum(s["methods"][m][key] for s in per_seed) / len(per_seed)) for m in ("baseline", "atdt", "oracle")}
    std = {m: {"miou": 0.5, "iou": {}} if task_target == "semantic" else {"abs_rel": 0.01} for m in methods}
    results = {"name": f"s/{name}", "task_source": task_source, "task_target": task_target, "domain_a": domains[0],
               "domain_b": domains[1], "methods": methods, "on_domain_a": {"n2": make(0.1 if task_target == "depth" else 60),
               "atdt": make(0.12 if task_target == "depth" else 50)}, "std": {"methods": std, "on_domain_a": {}},
               "depth_scale": 1.0}
    return PointResult(Point(name, table, label, ("task_source=" + task_source,)), None, results, per_seed, 60.0, 90.0)
