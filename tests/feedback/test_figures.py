"""Tests of the figures (autograder/feedback/figures.py and grading_figures.py): arrays in, a
labelled Figure out."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.colors import same_color

from autograder.feedback import figures, grading_figures


def test_every_figure_has_a_title_labelled_axes_and_saves_as_png() -> None:
    rng = np.random.default_rng(0)
    made = [
        figures.digits(rng.uniform(size=(3, 784)), [1, 2, 3], predicted=[1, 2, 4]),
        figures.templates(rng.standard_normal((784, 10))),
        figures.training_curves(rng.uniform(size=200), train_acc=[0.8, 0.9], val_acc=[0.7, 0.8]),
        figures.gradient_check({"dW": 1e-9, "db": 0.0}, 1e-5),
        figures.hyperparameter_search({"lr=0.1": 0.91, "lr=1": 0.85}),
        figures.confusion_matrix([0, 1, 2], [0, 2, 2], classes=3),
        grading_figures.score_distribution(
            {"knn": [25.0, 20.5], "total": [90.0, 71.0]}, {"knn": 25}
        ),
        grading_figures.time_budget(
            ["knn: distances", "knn: mnist"], [0.01, 16.0], [30.0, 150.0], ["passed", "failed"]
        ),
    ]
    for fig in made:
        plots = [ax for ax in fig.axes if ax.axison and not hasattr(ax, "_colorbar")]
        assert fig.get_suptitle() or all(ax.get_title() for ax in plots)
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in plots)
        fig.savefig(io.BytesIO(), format="png")


def test_digits_titles_a_wrong_prediction_in_red() -> None:
    fig = figures.digits(np.zeros((2, 784)), [3, 5], predicted=[3, 6])
    right, wrong = (ax.title for ax in fig.axes[:2])
    assert right.get_text() == "3, pred 3" and not same_color(right.get_color(), "tab:red")
    assert wrong.get_text() == "5, pred 6" and same_color(wrong.get_color(), "tab:red")


def test_gradient_check_bars_above_the_tolerance_or_nan_are_red() -> None:
    errors = {"dW1": 1e-9, "db1": float("nan"), "dW2": 0.0, "db2": 1e-3}
    bars = figures.gradient_check(errors, 1e-5).axes[0].patches
    assert [same_color(bar.get_facecolor(), "tab:red") for bar in bars] == [
        False,
        True,
        False,
        True,
    ]


def test_confusion_counts_count_each_pair_of_true_and_predicted_labels() -> None:
    counts = figures.confusion_counts([0, 1, 1, 2, 2], [0, 2, 1, 2, 2], classes=3)
    assert counts.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 2]]


def test_score_distribution_counts_every_student_once_per_panel_within_0_to_max() -> None:
    scores = {"warmup": [0.0, 10.0, 10.0, 7.5], "total": [0.0, 100.0, 100.0, 63.0]}
    fig = grading_figures.score_distribution(scores, {"warmup": 10.0, "total": 100.0})
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 2
    for ax, (part, most) in zip(panels, (("warmup", 10.0), ("total", 100.0)), strict=True):
        assert sum(bar.get_height() for bar in ax.patches) == 4
        left, right = ax.get_xlim()
        assert left <= 0 and right >= most and ax.get_ylabel() == "students"
        assert ax.get_title().startswith(f"{part}: 4 students")


def test_score_distribution_gives_a_full_score_a_bin_of_its_own() -> None:
    fig = grading_figures.score_distribution({"knn": [24.0, 25.0, 25.0]}, {"knn": 25.0})
    full = [
        bar for bar in fig.axes[0].patches if bar.get_x() < 25.0 < bar.get_x() + bar.get_width()
    ]
    assert [bar.get_height() for bar in full] == [2]


def test_time_budget_colours_each_bar_by_its_tests_status_and_names_them_in_the_legend() -> None:
    statuses = ["passed", "failed", "partial", "failed", "error"]
    fig = grading_figures.time_budget(
        ["a", "b", "c", "d", "e"], [0.1, 2.0, 1.0, 0.01, 0.2], [30.0, 0.8, 1.0, 30.0, 1.0], statuses
    )
    bars = fig.axes[0].patches
    expected = ["tab:green", "tab:red", "tab:orange", "tab:red", "tab:purple"]
    # a failed test well within its budget is red too, not a "within budget" blue
    assert len(bars) == len(expected)
    assert all(same_color(bar.get_facecolor(), c) for bar, c in zip(bars, expected, strict=True))
    (legend,) = fig.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == ["passed", "partial", "failed", "error", "time budget"]
    assert fig.axes[0].get_xscale() == "log"


def test_time_budget_labels_are_at_least_9_points() -> None:
    fig = grading_figures.time_budget(["a", "b"], [0.1, 2.0], [30.0, 0.8], ["passed", "failed"])
    assert min(label.get_fontsize() for label in fig.axes[0].get_yticklabels()) >= 9


def test_confusion_matrix_title_gives_the_accuracy_to_two_decimals_and_counts_are_legible() -> None:
    y_true = np.repeat(np.arange(10), 1000)[:10_000]
    y_pred = y_true.copy()
    y_pred[:295] = (y_pred[:295] + 1) % 10  # 97.05% right
    ax = figures.confusion_matrix(y_true, y_pred).axes[0]
    assert "accuracy 97.05%" in ax.get_title()
    assert min(text.get_fontsize() for text in ax.texts) >= 10
