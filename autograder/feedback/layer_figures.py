"""The notebook's figures of the optional parts (docs/optional-parts.md): a softmax
classifier's probabilities, a convolution layer's filters and feature maps. Arrays in, a
fresh `matplotlib.figure.Figure` out, as in autograder.feedback.figures."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

__all__ = ["class_probabilities", "filters_and_maps"]


def class_probabilities(
    images: npt.ArrayLike, probs: npt.ArrayLike, labels: npt.ArrayLike, *, title: str = ""
) -> Figure:
    """Each image beside a bar chart of its class probabilities, the true class in black.

    Inputs:
    - images: (N, 784) float, N MNIST digits; probs: (N, C) float, rows summing to 1;
      labels: (N,) int, the true classes.
    """
    X, P, y = np.asarray(images), np.asarray(probs, dtype=np.float64), np.asarray(labels)
    if P.ndim != 2 or len(P) != len(X) or len(y) != len(X):
        raise ValueError(f"class_probabilities: {X.shape}, {P.shape}, {y.shape} do not match")
    fig = Figure(figsize=(7.0, 1.5 * len(X) + 0.5), layout="constrained")
    fig.suptitle(title or "Softmax probabilities of each class")
    axes = fig.subplots(len(X), 2, squeeze=False, width_ratios=[1, 4])
    for n, (left, right) in enumerate(axes):
        left.imshow(X[n].reshape(28, 28), cmap="gray_r")
        left.set_axis_off()
        colours = ["black" if c == y[n] else "tab:blue" for c in range(P.shape[1])]
        right.bar(range(P.shape[1]), P[n], color=colours)
        right.set_ylim(0, 1)
        right.set_xticks(range(P.shape[1]))
    return fig


def filters_and_maps(w: npt.ArrayLike, maps: npt.ArrayLike, *, title: str = "") -> Figure:
    """The first input channel of each filter (top row) above its feature map of one
    image (bottom row), filters on one red/blue scale.

    Inputs:
    - w: (F, C, HH, WW) float, the filters; maps: (F, H', W') float, conv_forward's
      output for one image.
    """
    filters, images = np.asarray(w, dtype=np.float64), np.asarray(maps, dtype=np.float64)
    if filters.ndim != 4 or images.ndim != 3 or len(filters) != len(images):
        raise ValueError(f"filters_and_maps: w {filters.shape} and maps {images.shape}")
    limit = float(np.max(np.abs(filters))) or 1.0
    fig = Figure(figsize=(1.6 * len(filters) + 0.5, 3.6), layout="constrained")
    fig.suptitle(title or "Filters (top) and their feature maps (bottom)")
    axes = fig.subplots(2, len(filters), squeeze=False)
    for f in range(len(filters)):
        axes[0, f].imshow(filters[f, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[1, f].imshow(images[f], cmap="gray")
        axes[0, f].set_title(f"filter {f}", fontsize=9)
        for ax in axes[:, f]:
            ax.set_axis_off()
    return fig
