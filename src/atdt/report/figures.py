"""Figures: the paper's qualitative comparison (Fig. 3: RGB | Baseline | AT/DT | ground truth),
the t-SNE of E1, E2 and G(E1) features (supplementary Fig. 1) and the charts of a study (bars per
setting; lines over a grid key, as the transfer level of Fig. 4)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
import torch

from atdt.data.io import write_bytes
from atdt.engine.evaluate import predict


@torch.no_grad()
def qualitative_figure(models: dict, dataset, task, path, *, rows: int = 4, depth_scale: float | dict = 1.0,
                       device="cpu") -> Path:
    """One row per image: RGB, each model's prediction, ground truth. ``depth_scale``: one factor
    for every model, or a dict giving each model (by its title in ``models``) its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = min(rows, len(dataset))
    cols = 2 + len(models)
    sample0 = dataset[0]["image"]
    aspect = sample0.shape[2] / sample0.shape[1]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.2 * aspect / 2 + 0.5, rows * 1.25 + 0.4), squeeze=False)
    for r in range(rows):
        sample = dataset[r]
        image = sample["image"]
        panels = [(image.permute(1, 2, 0).numpy(), "RGB")]
        for name, model in models.items():
            scale = depth_scale.get(name, 1.0) if isinstance(depth_scale, dict) else depth_scale
            pred = predict(model, image[None].to(device), task, scale)[0].cpu()
            panels.append((task.colourise(pred), name))
        panels.append((task.colourise(sample[task.label_key]), "Ground truth"))
        for c, (picture, title) in enumerate(panels):
            ax = axes[r][c]
            ax.imshow(picture)
            ax.set_xticks([]), ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=9)
    return _save(fig, path, pad=0.3)


@torch.no_grad()
def tsne_figure(e1, g, e2, dataset, path, *, images: int = 24, points_per_image: int = 16, device="cpu", seed: int = 0) -> Path:
    """t-SNE of feature vectors: E1(x) (pink), E2(x) (blue), G(E1(x)) (red); G should move pink onto blue."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    g_rng = torch.Generator().manual_seed(seed)
    vectors = {"E1(x)": [], "E2(x)": [], "G(E1(x))": []}
    for i in range(min(images, len(dataset))):
        x = dataset[i]["image"][None].to(device)
        f1, f2 = e1(x)[-1], e2(x)[-1]
        if f1.shape != f2.shape:  # checked before sampling: a smaller grid would fail on an index
            raise ValueError(f"t-SNE needs E1 and E2 features of the same shape, got {tuple(f1.shape[1:])} "
                             f"and {tuple(f2.shape[1:])} (channels, h, w)")
        f3 = g(f1)
        hw = f1.shape[-2] * f1.shape[-1]
        pick = torch.randperm(hw, generator=g_rng)[:points_per_image]
        for key, f in (("E1(x)", f1), ("E2(x)", f2), ("G(E1(x))", f3)):
            vectors[key].append(f.flatten(2)[0, :, pick].T.cpu())
    stacked = torch.cat([torch.cat(v) for v in vectors.values()]).numpy()
    perplexity = min(30.0, (len(stacked) - 1) / 3)  # sklearn needs perplexity < samples
    embedded = TSNE(n_components=2, random_state=seed, init="pca", perplexity=perplexity).fit_transform(stacked)
    fig, ax = plt.subplots(figsize=(5, 5))
    n = len(stacked) // 3
    for k, (name, colour) in enumerate(zip(vectors, ("hotpink", "royalblue", "red"))):
        ax.scatter(embedded[k * n:(k + 1) * n, 0], embedded[k * n:(k + 1) * n, 1], s=5, c=colour, label=name)
    ax.legend()
    ax.set_xticks([]), ax.set_yticks([])
    return _save(fig, path)


MAX_WIDTH = 16.0  # inches: a bar chart's panels wrap into rows beyond it


def bar_chart(groups: list[str], panels: list[dict], path, *, title: str = "") -> Path:
    """Grouped bars with error bars, one subplot per panel.

    groups: the x tick labels (one per setting); each panel is ``{"ylabel": str, "series":
    {label: (means, stds)}}`` with one mean and std per group (NaN: no bar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # wide enough for the bars and for the title (~0.075 in per character at 10 pt): a one-setting
    # study would otherwise cut its title at both edges. Panels go side by side up to MAX_WIDTH, then
    # wrap into rows (a study of 7 settings and 7 metrics would be 94 in wide).
    panel_width = 1.9 * len(groups)
    cols = max(1, min(len(panels), int((MAX_WIDTH - 1.2) // panel_width)))
    rows = -(-len(panels) // cols)
    width = max(1.2 + panel_width * cols, 0.5 + 0.075 * len(title))
    fig, axes = plt.subplots(rows, cols, figsize=(width, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    labels = ["\n".join(textwrap.wrap(g, 26)) for g in groups]  # 1.9 in a group: ~26 characters at 8 pt
    x = np.arange(len(groups))
    for ax, panel in zip(axes.flat, panels):
        series = panel["series"]
        width = 0.8 / max(len(series), 1)
        for k, (label, (means, stds)) in enumerate(series.items()):
            offset = (k - (len(series) - 1) / 2) * width
            ax.bar(x + offset, means, width, yerr=np.nan_to_num(np.asarray(stds, dtype=float)), capsize=3, label=label)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylabel(panel["ylabel"])
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def line_chart(x: list, xlabel: str, panels: list[dict], path, *, title: str = "") -> Path:
    """One line per series over ``x`` (the values of a grid key), with std bands, one subplot per
    panel: ``{"ylabel": str, "series": {label: (means, stds)}, "dashed": [labels], "groups": {label:
    group}}``; series of one group share a colour (e.g. a method), dashed ones are e.g. its scores on
    A beside the solid ones on B, as the paper's Fig. 4."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x)
    at = np.asarray(x, dtype=float) if numeric else np.arange(len(x))
    fig, axes = plt.subplots(len(panels), 1, figsize=(5.5, 2.9 * len(panels) + 0.4), squeeze=False)
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel in zip(axes[:, 0], panels):
        groups = panel.get("groups") or {label: label for label in panel["series"]}
        colours = {g: cycle[i % len(cycle)] for i, g in enumerate(dict.fromkeys(groups.values()))}
        for label, (means, stds) in panel["series"].items():
            means, stds = np.asarray(means, dtype=float), np.nan_to_num(np.asarray(stds, dtype=float))
            style, colour = "--" if label in panel.get("dashed", ()) else "-", colours[groups.get(label, label)]
            ax.plot(at, means, style, marker="o", color=colour, label=label)
            ax.fill_between(at, means - stds, means + stds, color=colour, alpha=0.15)
        ax.set_xticks(at, [str(v) for v in x])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(panel["ylabel"])
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def _save(fig, path, pad: float = 1.08) -> Path:
    """Lay out, write (creating the folder) and close a figure; returns its path."""
    import matplotlib.pyplot as plt

    fig.tight_layout(pad=pad)
    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=110, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    write_bytes(path, buffer.getvalue())  # atomically, like every output
    return path


__all__ = ["bar_chart", "line_chart", "qualitative_figure", "tsne_figure"]
