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
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

__all__ = ["STATUS_COLOURS", "score_distribution", "time_budget"]


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


STATUS_COLOURS = {
    "passed": "tab:green",
    "partial": "tab:orange",
    "failed": "tab:red",
    "error": "tab:purple",
}
"""The bar colour of a test by its status (autograder.engine.results.Outcome.status);
any other status is drawn grey."""
OTHER = "tab:gray"


def time_budget(
    names: Sequence[str],
    seconds: Sequence[float],
    budgets: Sequence[float],
    statuses: Sequence[str],
    *,
    title: str = "CPU time used against each test's budget",
) -> Figure:
    """Seconds each test took (a bar, coloured by the test's status) and its time budget
    (a black tick), on a log scale; the legend names the statuses shown.

    Inputs:
    - names: (T,) str, the tests, top to bottom.
    - seconds: (T,) float >= 0, CPU seconds each test used.
    - budgets: (T,) float > 0, CPU seconds each test may use.
    - statuses: (T,) str, each test's status (passed, partial, failed, error).
    A time of 0 is drawn at 1e-4 s.
    """
    used = np.asarray(seconds, dtype=np.float64).reshape(-1)
    limit = np.asarray(budgets, dtype=np.float64).reshape(-1)
    if not (len(names) == len(used) == len(limit) == len(statuses)):
        raise ValueError("time_budget: names, seconds, budgets and statuses differ in length")
    if not len(names):
        raise ValueError("time_budget: no tests")
    rows = np.arange(len(names))
    fig = Figure(figsize=(10.0, 0.27 * len(names) + 1.5), layout="constrained")
    ax = fig.subplots()
    colours = [STATUS_COLOURS.get(status, OTHER) for status in statuses]
    ax.barh(rows, np.maximum(used, 1e-4), color=colours, height=0.7)
    ax.scatter(limit, rows, marker="|", s=160, linewidths=2, color="black", zorder=3)
    ax.set_xscale("log")
    ax.set_yticks(rows, list(names), fontsize=9)
    ax.set_ylim(len(names) - 0.5, -0.5)  # the first test on top
    ax.grid(axis="x", which="major", color="#ddd")
    ax.set_axisbelow(True)
    ax.set(title=title, xlabel="CPU seconds (log scale)", ylabel="test")
    shown = [*STATUS_COLOURS, *sorted(set(statuses) - set(STATUS_COLOURS))]
    key: list[Artist] = [
        Patch(color=STATUS_COLOURS.get(status, OTHER), label=status)
        for status in shown
        if status in statuses
    ]
    key.append(
        Line2D([], [], marker="|", markersize=13, markeredgewidth=2, color="black",
               linestyle="", label="time budget")
    )  # fmt: skip
    fig.legend(handles=key, loc="outside right upper", fontsize=9)
    return fig


def _score_bins(most: float) -> npt.NDArray[np.float64]:
    """Bin edges over 0..most, each bin centred on a multiple of its width: 1 point up
    to 30 points, else most / 25 rounded up (a full score has a bin of its own)."""
    width = 1.0 if most <= 30 else float(math.ceil(most / 25))
    return np.arange(-width / 2, most + width, width)
