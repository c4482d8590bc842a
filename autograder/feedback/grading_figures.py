"""The figures of the grading itself, not of a model: the time each test used against its
budget (the feedback page) and a class's score distribution (grade-all's summary).
Arrays in, a fresh Figure out, as in autograder.feedback.figures (save one with
``figures.png_bytes``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from autograder.feedback.figures import WRONG

__all__ = ["score_distribution", "time_budget"]


def score_distribution(
    scores: Mapping[str, Sequence[float]],
    maxima: Mapping[str, float],
    *,
    title: str = "Score distribution",
) -> Figure:
    """One histogram per part (and per "total" when it is a key): points against students.

    Inputs:
    - scores: part -> (S,) float, the points of each of S students in that part, in
      0..maxima[part]; panels appear in the mapping's order.
    - maxima: part -> the part's maximum points (x runs from 0 to it); a part missing
      here uses its highest score.
    Each panel's title gives S, the mean and the median; lines mark them (mean
    dashed black, median dotted orange).
    """
    if not scores:
        raise ValueError("score_distribution: scores is empty")
    names = list(scores)
    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * rows + 0.5), layout="constrained")
    fig.suptitle(title)
    for index, ax in enumerate(fig.subplots(rows, columns, squeeze=False).flat):
        if index >= len(names):
            ax.set_axis_off()
            continue
        name = names[index]
        values = np.asarray(scores[name], dtype=np.float64).reshape(-1)
        values = values[np.isfinite(values)]
        most = float(maxima.get(name, np.max(values, initial=0.0))) or 1.0
        edges = _score_bins(most)
        ax.hist(values, bins=edges, color="tab:blue", edgecolor="white")
        label = f"{name}: {len(values)} students"
        if len(values):
            mean, median = float(np.mean(values)), float(np.median(values))
            ax.axvline(mean, color="black", linestyle="--", linewidth=1)
            ax.axvline(median, color="tab:orange", linestyle=":", linewidth=1.5)
            label += f", mean {mean:.3g}, median {median:.3g}"
        ax.set_xlim(edges[0], edges[-1])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(title=label, xlabel=f"points (of {most:g})", ylabel="students")
        ax.title.set_fontsize(9)
    return fig


def time_budget(
    names: Sequence[str],
    seconds: Sequence[float],
    budgets: Sequence[float],
    *,
    title: str = "Time used against each test's budget",
) -> Figure:
    """Seconds each test took (a bar) and its time budget (a black tick), log scale.

    Inputs:
    - names: (T,) str, the tests, top to bottom.
    - seconds: (T,) float >= 0, time each test took.
    - budgets: (T,) float > 0, seconds each test may take.
    Bars over their budget are red; a time of 0 is drawn at 1e-4 s.
    """
    used = np.asarray(seconds, dtype=np.float64).reshape(-1)
    limit = np.asarray(budgets, dtype=np.float64).reshape(-1)
    if not (len(names) == len(used) == len(limit)):
        raise ValueError("time_budget: names, seconds and budgets have different lengths")
    if not len(names):
        raise ValueError("time_budget: no tests")
    rows = np.arange(len(names))
    over = ~(used <= limit)
    fig = Figure(figsize=(10.0, 0.24 * len(names) + 1.4), layout="constrained")
    ax = fig.subplots()
    ax.barh(rows, np.maximum(used, 1e-4), color=np.where(over, WRONG, "tab:blue"))
    ax.scatter(limit, rows, marker="|", s=120, color="black", zorder=3)
    ax.set_xscale("log")
    ax.set_yticks(rows, list(names), fontsize=7)
    ax.invert_yaxis()
    ax.set(title=title, xlabel="seconds (log scale)", ylabel="test")
    key = [
        Patch(color="tab:blue", label="within budget"),
        Patch(color=WRONG, label="over budget"),
        Line2D([], [], marker="|", markersize=12, color="black", linestyle="", label="budget"),
    ]
    fig.legend(handles=key, loc="outside right upper", fontsize=8)
    return fig


def _score_bins(most: float) -> npt.NDArray[np.float64]:
    """Bin edges over 0..most, each bin centred on a multiple of its width: 1 point up
    to 30 points, else most / 25 rounded up (a full score has a bin of its own)."""
    width = 1.0 if most <= 30 else float(math.ceil(most / 25))
    return np.arange(-width / 2, most + width, width)
