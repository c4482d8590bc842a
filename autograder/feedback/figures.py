"""The figures of the notebook and of the grader's feedback about a model: arrays in, a
Figure out; and `png_bytes`, the one PNG encoder. The figures of the grading itself (time
used, a class's scores) are in autograder.feedback.grading_figures.

Every function builds a fresh `matplotlib.figure.Figure` (no pyplot, so no global state
and no backend choice: it works under Agg and shows inline in a notebook when it is a
cell's value). Save one with ``fig.savefig(path)``. Letters as in the student API:
N examples, D = 784 pixels, C classes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = [
    "confusion_counts",
    "confusion_matrix",
    "digits",
    "gradient_check",
    "hyperparameter_search",
    "png_bytes",
    "templates",
    "training_curves",
]

SIDE = 28
"""MNIST images are SIDE x SIDE pixels, D = SIDE**2 = 784."""
RIGHT, WRONG = "black", "tab:red"


def digits(
    X: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    predicted: npt.ArrayLike | None = None,
    columns: int = 10,
    title: str = "MNIST digits",
) -> Figure:
    """A grid of images, each titled by its label (and "pred p", red when p is wrong).

    Inputs:
    - X: (N, 784) float, pixels in [0, 1] (0 is white, 1 black), N >= 1.
    - labels: (N,) int, the true labels.
    - predicted: (N,) int or None, predicted labels.
    - columns: images per row.
    """
    images = _images(X)
    true = np.asarray(labels).reshape(-1)
    guess = None if predicted is None else np.asarray(predicted).reshape(-1)
    n = len(images)
    if len(true) != n or (guess is not None and len(guess) != n):
        raise ValueError(f"digits: X has {n} rows but labels/predicted have other lengths")
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    fig = Figure(figsize=(1.1 * columns, 1.3 * rows + 0.6), layout="constrained")
    fig.suptitle(title)
    for index, ax in enumerate(fig.subplots(rows, columns, squeeze=False).flat):
        ax.set_axis_off()
        if index >= n:
            continue
        ax.imshow(images[index], cmap="gray_r", vmin=0.0, vmax=1.0)
        text, color = f"{true[index]}", RIGHT
        if guess is not None:
            text += f", pred {guess[index]}"
            color = RIGHT if guess[index] == true[index] else WRONG
        ax.set_title(text, fontsize=8, color=color)
    return fig


def templates(W: npt.ArrayLike, *, title: str = "Templates of the linear classifier") -> Figure:
    """The weights of each class as a 28x28 image, on one colour scale (red +, blue -).

    Inputs:
    - W: (784, C) float, column c scores class c (the linear classifier's W).
    """
    weights = np.asarray(W, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != SIDE * SIDE:
        raise ValueError(f"templates: W must have shape (784, C), got {weights.shape}")
    classes = weights.shape[1]
    limit = float(np.max(np.abs(weights))) or 1.0
    columns = min(classes, 5)
    rows = math.ceil(classes / columns)
    fig = Figure(figsize=(1.8 * columns + 1.0, 1.9 * rows + 0.4), layout="constrained")
    fig.suptitle(title)
    axes = fig.subplots(rows, columns, squeeze=False)
    image = None
    for c, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if c < classes:
            template = weights[:, c].reshape(SIDE, SIDE)
            image = ax.imshow(template, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"digit {c}", fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight (score per unit pixel)")
    return fig


def training_curves(
    loss_history: Sequence[float] | npt.ArrayLike,
    *,
    train_acc: Sequence[float] | None = None,
    val_acc: Sequence[float] | None = None,
    title: str = "Training",
) -> Figure:
    """Minibatch loss per iteration (left) and accuracy per epoch (right, when given).

    Inputs:
    - loss_history: (T,) float, one loss per SGD iteration.
    - train_acc, val_acc: (E,) float in [0, 1], one accuracy per epoch, or None.
    """
    losses = np.asarray(loss_history, dtype=np.float64).reshape(-1)
    given = (("train", train_acc), ("validation", val_acc))
    curves = {name: acc for name, acc in given if acc is not None and len(acc)}
    fig = Figure(figsize=(11.0 if curves else 6.0, 4.0), layout="constrained")
    fig.suptitle(title)
    axes = fig.subplots(1, 2 if curves else 1, squeeze=False)[0]
    ax = axes[0]
    ax.plot(np.arange(1, len(losses) + 1), losses, color="tab:blue", alpha=0.4, label="minibatch")
    window = len(losses) // 50
    if window > 1:
        mean = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window, len(losses) + 1), mean, color="tab:blue", label="running mean")
        ax.legend()
    ax.set(title="Loss", xlabel="iteration", ylabel="loss (mean hinge + L2)")
    if curves:
        ax = axes[1]
        for name, acc in curves.items():
            epochs = np.arange(1, len(acc) + 1)
            ax.plot(epochs, 100.0 * np.asarray(acc, dtype=np.float64), marker="o", label=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(title="Accuracy", xlabel="epoch", ylabel="accuracy (%)")
        ax.legend()
    return fig


def gradient_check(
    errors: Mapping[str, float],
    tolerance: float,
    *,
    title: str = "Gradient check: analytic against centred differences",
) -> Figure:
    """Worst relative error of each checked gradient, on a log scale, with the tolerance.

    Inputs:
    - errors: name -> max relative error (>= 0, NaN for a gradient holding NaN or inf).
    - tolerance: the largest error that passes, drawn as a dashed line.
    Bars above the tolerance (or NaN) are red; an error of exactly 0 is drawn at 1e-16.
    """
    names = list(errors)
    values = np.array([errors[name] for name in names], dtype=np.float64)
    bad = ~(values <= tolerance)  # NaN is bad
    finite = values[np.isfinite(values)]
    top = max(float(np.max(finite, initial=tolerance)), tolerance) * 100.0
    heights = np.where(np.isfinite(values), np.maximum(values, 1e-16), top)
    fig = Figure(figsize=(max(6.5, 0.9 * len(names) + 2.0), 4.5), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(names))
    ax.bar(positions, heights, color=np.where(bad, WRONG, "tab:green"))
    ax.axhline(tolerance, color="black", linestyle="--", label=f"tolerance {tolerance:g}")
    for x, value, height in zip(positions, values, heights, strict=True):
        ax.annotate(f"{value:.1e}", (x, height), ha="center", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_xticks(positions, names, rotation=30, ha="right")
    ax.set(title=title, xlabel="gradient", ylabel="max relative error |a - n| / (|a| + |n|)")
    ax.legend()
    return fig


def hyperparameter_search(
    results: Mapping[str, float], *, title: str = "Hyperparameter search"
) -> Figure:
    """Validation accuracy of each configuration, one row each; the best one starred.

    Inputs:
    - results: configuration label (such as "H=100, lr=0.1") -> validation accuracy in
      [0, 1], in the order to show (top to bottom).
    """
    if not results:
        raise ValueError("hyperparameter_search: results is empty")
    labels = list(results)
    accuracy = 100.0 * np.array([results[label] for label in labels], dtype=np.float64)
    best = int(np.nanargmax(accuracy)) if np.any(np.isfinite(accuracy)) else -1
    rows = np.arange(len(labels))
    fig = Figure(figsize=(8.0, 0.45 * len(labels) + 1.6), layout="constrained")
    ax = fig.subplots()
    ax.hlines(rows, np.nanmin(accuracy), accuracy, color="lightgray")
    colors = ["tab:orange" if row == best else "tab:blue" for row in rows]
    ax.scatter(accuracy, rows, color=colors, zorder=3)
    for row, value in zip(rows, accuracy, strict=True):
        star = "  (best)" if row == best else ""
        ax.annotate(f" {value:.1f}%{star}", (value, row), va="center", fontsize=8)
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.margins(x=0.25)
    ax.set(title=title, xlabel="validation accuracy (%)", ylabel="configuration")
    return fig


def confusion_counts(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, classes: int = 10
) -> npt.NDArray[np.int64]:
    """counts[i, j] = how many examples of true class i were predicted as class j.

    Inputs: y_true, y_pred: (N,) int in 0..classes-1. Returns (classes, classes) int64.
    """
    true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if true.shape != pred.shape:
        raise ValueError(f"confusion: y_true has shape {true.shape}, y_pred {pred.shape}")
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if labels.size and not (0 <= labels.min() and labels.max() < classes):
            raise ValueError(f"confusion: {name} holds labels outside 0..{classes - 1}")
    flat = np.bincount(true * classes + pred, minlength=classes * classes)
    return flat.reshape(classes, classes).astype(np.int64)


def confusion_matrix(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    classes: int = 10,
    *,
    title: str = "Confusion matrix",
) -> Figure:
    """The confusion counts as a heat map, each cell labelled with its count; the title
    gives the accuracy to two decimals (the tiers of grading.toml sit at 0.5% steps).

    Inputs: y_true, y_pred: (N,) int in 0..classes-1 (see confusion_counts).
    """
    counts = confusion_counts(y_true, y_pred, classes)
    total = int(counts.sum())
    accuracy = float(np.trace(counts)) / total if total else float("nan")
    fig = Figure(figsize=(0.6 * classes + 2.5, 0.55 * classes + 1.5), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(counts, cmap="Blues")
    dark = counts.max() / 2.0
    for (i, j), count in np.ndenumerate(counts):
        if count:
            color = "white" if count > dark else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize=10, color=color)
    ticks = np.arange(classes)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set(
        title=f"{title}\n{total:,} examples, accuracy {accuracy:.2%}",
        xlabel="predicted label",
        ylabel="true label",
    )
    fig.colorbar(image, ax=ax, label="examples")
    return fig


def _images(X: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(N, 784) or (N, 28, 28) pixels as (N, 28, 28) float64."""
    pixels = np.asarray(X, dtype=np.float64)
    if pixels.ndim == 1:
        pixels = pixels[None, :]
    if pixels.shape[1:] not in ((SIDE * SIDE,), (SIDE, SIDE)) or len(pixels) == 0:
        raise ValueError(f"X must have shape (N, 784) with N >= 1, got {pixels.shape}")
    return pixels.reshape(len(pixels), SIDE, SIDE)


def png_bytes(fig: Figure, *, dpi: int = 80) -> bytes:
    """The figure as PNG bytes, drawn with Agg (no display needed), stored with a palette
    of at most 256 colours (a figure's flat colours and anti-aliased text fit it: the file
    is less than half the size of Agg's RGBA) and without the software-version stamp (the
    same figure gives the same bytes); then cleared, so that it frees its memory."""
    from PIL import Image

    try:
        buffer = io.BytesIO()
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        with Image.open(buffer) as drawn:
            palette = drawn.convert("RGB").quantize(
                256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
            )
        out = io.BytesIO()
        palette.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        fig.clear()
