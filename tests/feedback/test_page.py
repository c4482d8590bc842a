"""Tests of the feedback page (autograder/feedback/page.py) on real grades of the reference
solutions and of the stubs: self-contained HTML, Markdown with its figures, hidden
tests kept hidden, notes for figures without evidence, reproducible files."""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.config import load_config
from autograder.contract import BY_NAME, PARTS
from autograder.engine.grading import grade
from autograder.engine.results import Grade, Outcome
from autograder.feedback import figures, report
from autograder.feedback import page as feedback
from autograder.feedback.report import title
from autograder.instructor import bugs

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "grading.toml")
PNG = b"\x89PNG\r\n\x1a\n"
GRADIENT_PARTS = ("warmup", "linear_svm", "neural_net")
"""The parts with visible gradient checks."""
DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


@pytest.fixture(scope="module")
def svm_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Grade, Path]:
    """A full grade of linear_svm, MNIST included, and the folder of its feedback."""
    result = grade(ROOT / "solutions", CONFIG, parts=("linear_svm",))
    folder = tmp_path_factory.mktemp("svm")
    feedback.write_feedback(result, folder, title="linear SVM")
    return result, folder


@pytest.fixture(scope="module")
def reference_page(reference: Grade, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    return feedback.write_feedback(reference, folder, title="Reference")


@pytest.fixture(scope="module")
def stub_page(stubs: Grade, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return feedback.write_feedback(stubs, tmp_path_factory.mktemp("stubs"))


def text_of(page: Path) -> str:
    """The HTML without its images' data."""
    return DATA_URI.sub("data:image/png;base64,", page.read_text("utf-8"))


def hidden(result: Grade) -> list[Outcome]:
    return [o for o in result.outcomes if o.spec.visibility != "visible"]


def test_the_html_holds_its_figures_and_refers_to_nothing_outside(reference_page: Path) -> None:
    page = reference_page.read_text("utf-8")
    images = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert len(images) == len(list((reference_page.parent / "figures").glob("*.png"))) > 0
    for source in images:
        match = DATA_URI.fullmatch(source)
        assert match, source[:60]
        assert base64.b64decode(match.group(1), validate=True).startswith(PNG)
    text = text_of(reference_page)
    assert not re.search(r"https?:|file:|<link|<script|@import|url\(", text)


def test_every_graded_part_has_a_table_of_its_visible_tests(
    reference: Grade, reference_page: Path
) -> None:
    text = text_of(reference_page)
    assert text.count("<table>") == len(PARTS)
    for part in PARTS:
        score, most = reference.part_score(part)
        assert f"{BY_NAME[part].heading}: {score:g} / {most:g} points" in text
    for outcome in reference.outcomes:
        if outcome.spec.visibility == "visible":
            assert f"<td>{title(outcome)}</td>" in text


def test_hidden_tests_never_appear_by_name_but_count_in_their_part_line(
    reference: Grade, reference_page: Path
) -> None:
    pages = [text_of(reference_page), (reference_page.parent / "feedback.md").read_text()]
    pages.append(report.summary(reference))
    visible = [o for o in reference.outcomes if o.spec.visibility == "visible"]
    visible_names = " ".join(title(o) for o in visible)
    for outcome in hidden(reference):
        names = {title(outcome), outcome.name, outcome.spec.name, outcome.nodeid}
        for page in pages:
            assert not [n for n in names if n in page and n not in visible_names]
    for part in PARTS:
        mine = [o for o in hidden(reference) if o.spec.part == part]
        earned = sum(o.points * o.fraction for o in mine)
        line = f"{len(mine)} hidden tests: {earned:g} / {sum(o.points for o in mine):g} points"
        assert all(line in page for page in pages[:2])


def test_a_failing_hidden_test_shows_neither_its_name_nor_its_message(tmp_path: Path) -> None:
    """A catalogued bug that only a hidden test catches: its message must not reach the
    page, which only counts the points it lost."""
    bug = bugs.by_name(["svm_train_fixed_minibatch"])[0]
    bugs.apply(bug, ROOT / "solutions", tmp_path / "submission")
    result = grade(tmp_path / "submission", CONFIG, parts=("linear_svm",), fast=True)
    failed = [o for o in hidden(result) if o.status != "passed"]
    assert failed, "the bug is caught by a hidden test"
    page = feedback.write_feedback(result, tmp_path / "page")
    for text in (text_of(page), (tmp_path / "page" / "feedback.md").read_text()):
        for outcome in failed:
            assert outcome.message.splitlines()[0] not in text
            assert html.escape(outcome.message.splitlines()[0]) not in text
            assert outcome.spec.name not in text and title(outcome) not in text
        assert f"{len(hidden(result))} hidden tests: " in text


def test_hidden_tests_evidence_is_not_drawn(
    reference: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = {"kind": "gradient", "parameter": "dSecret", "name": "x", "error": 1.0}
    outcomes = [
        dataclasses.replace(o, evidence=({**secret, "tolerance": 1e-5},))
        if o.spec.visibility != "visible"
        else o
        for o in reference.outcomes
    ]
    drawn: list[str] = []
    draw = figures.gradient_check

    def spy(errors: dict[str, float], tolerance: float) -> Any:
        drawn.extend(errors)
        return draw(errors, tolerance)

    monkeypatch.setattr(figures, "gradient_check", spy)
    feedback.write_feedback(dataclasses.replace(reference, outcomes=outcomes), tmp_path)
    assert drawn and "dSecret" not in drawn


def test_the_mnist_accuracy_tests_are_visible_so_their_figures_may_be_shown() -> None:
    mnist = [spec for spec in CONFIG.tests.values() if spec.name.startswith("mnist")]
    assert len(mnist) == 3 and all(spec.visibility == "visible" for spec in mnist)


def test_a_stub_grade_writes_a_page_with_a_note_for_each_missing_figure(
    stub_page: Path,
) -> None:
    text = text_of(stub_page)
    assert text.count(feedback.NO_MNIST) == 3  # knn, linear_svm, neural_net
    assert text.count(feedback.NO_GRADIENT) == 3  # warmup, linear_svm, neural_net
    assert [p.name for p in (stub_page.parent / "figures").iterdir()] == ["timing.png"]
    assert "not written yet" in text


def test_the_markdown_shows_exactly_the_written_figures(reference_page: Path) -> None:
    folder = reference_page.parent
    markdown = (folder / "feedback.md").read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert all((folder / link).read_bytes().startswith(PNG) for link in linked)
    assert sorted(linked) == sorted(f"figures/{p.name}" for p in folder.glob("figures/*.png"))
    for part in PARTS:
        assert f"## {BY_NAME[part].heading}" in markdown


def test_figure_files_are_named_by_part(reference_page: Path) -> None:
    names = {p.stem for p in (reference_page.parent / "figures").glob("*.png")}
    assert names == {f"{part}_gradient_check" for part in GRADIENT_PARTS} | {"timing"}


def test_summary_names_the_total_and_every_part_and_the_failures(
    reference: Grade, stubs: Grade
) -> None:
    text = report.summary(reference)
    assert f"Total: {reference.score:g} / {reference.max_score:g} points" in text
    assert all(BY_NAME[part].heading in text for part in PARTS)
    assert "0 of 42 visible tests failed" in text and "MNIST" not in text
    failed = sum(o.spec.visibility == "visible" for o in stubs.outcomes)
    assert f"{failed} of {failed} visible tests failed" in report.summary(stubs)


def test_writing_the_same_grade_twice_gives_identical_files(
    reference: Grade, reference_page: Path, tmp_path: Path
) -> None:
    again = feedback.write_feedback(reference, tmp_path, title="Reference")
    assert again.read_bytes() == reference_page.read_bytes()
    first = reference_page.parent
    assert (tmp_path / "feedback.md").read_bytes() == (first / "feedback.md").read_bytes()


def test_a_neural_net_mnist_record_draws_training_confusion_and_mistakes(
    reference: Grade, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 200)
    y_pred = np.where(rng.uniform(size=200) < 0.9, y_true, (y_true + 1) % 10)
    wrong = np.flatnonzero(y_pred != y_true)
    record = {
        "kind": "mnist",
        "part": "neural_net",
        "accuracy": float(np.mean(y_pred == y_true)),
        "y_true": y_true,
        "y_pred": y_pred,
        "history": {
            "loss": list(rng.uniform(size=300)),
            "train_acc": [0.8, 0.9],
            "val_acc": [0.7, 0.8],
        },
        "weights": None,
        "wrong_images": rng.uniform(size=(len(wrong), 784)),
        "wrong_true": y_true[wrong],
        "wrong_pred": y_pred[wrong],
    }
    visible = [o for o in reference.outcomes if o.spec.visibility == "visible"]
    last = [o for o in visible if o.spec.part == "neural_net"][-1]
    outcomes = [
        dataclasses.replace(o, evidence=(record,)) if o is last else o for o in reference.outcomes
    ]
    page = feedback.write_feedback(dataclasses.replace(reference, outcomes=outcomes), tmp_path)
    drawn = {p.stem for p in (tmp_path / "figures").glob("neural_net_*.png")}
    assert drawn == {
        f"neural_net_{name}" for name in ("training", "confusion", "mistakes", "gradient_check")
    }
    assert "MNIST test accuracy: neural_net" in report.summary(
        dataclasses.replace(reference, outcomes=outcomes)
    )
    assert text_of(page).count(feedback.NO_MNIST) == 2  # knn and linear_svm ran no MNIST


def test_predictions_outside_the_classes_leave_a_note_instead_of_a_confusion_matrix(
    reference: Grade, tmp_path: Path
) -> None:
    y_true = np.arange(20) % 10
    record = {
        "kind": "mnist",
        "part": "knn",
        "accuracy": 0.0,
        "y_true": y_true,
        "y_pred": y_true + 1,  # argmax + 1: 10 is no class
        "history": {},
        "weights": None,
        "wrong_images": np.zeros((20, 784)),
        "wrong_true": y_true,
        "wrong_pred": y_true + 1,
    }
    visible = [o for o in reference.outcomes if o.spec.visibility == "visible"]
    last = [o for o in visible if o.spec.part == "knn"][-1]
    outcomes = [
        dataclasses.replace(o, evidence=(record,)) if o is last else o for o in reference.outcomes
    ]
    page = feedback.write_feedback(dataclasses.replace(reference, outcomes=outcomes), tmp_path)
    assert "No confusion figure: the data could not be drawn" in text_of(page)
    assert (tmp_path / "figures" / "knn_mistakes.png").is_file()


@pytest.mark.slow
@pytest.mark.mnist
def test_a_full_linear_svm_grade_shows_templates_confusion_training_and_gradients(
    svm_page: tuple[Grade, Path],
) -> None:
    result, folder = svm_page
    names = sorted(p.name for p in (folder / "figures").glob("*.png"))
    expected = ["confusion", "gradient_check", "mistakes", "templates", "training"]
    assert names == sorted([*(f"linear_svm_{name}.png" for name in expected), "timing.png"])
    text = text_of(folder / "feedback.html")
    assert feedback.NO_MNIST not in text and text.count("<img ") == len(names)
    accuracy = next(
        r["accuracy"] for o in result.outcomes for r in o.evidence if r["kind"] == "mnist"
    )
    assert f"MNIST test accuracy: linear_svm {accuracy:.2%}" in report.summary(result)


@pytest.mark.slow
@pytest.mark.mnist
def test_the_mnist_test_records_the_step_and_budget_its_message_states(
    svm_page: tuple[Grade, Path],
) -> None:
    result, _ = svm_page
    (test,) = [o for o in result.outcomes if any(r["kind"] == "mnist" for r in o.evidence)]
    (timed,) = [r for r in test.evidence if r["kind"] == "budget"]
    budget = CONFIG.accuracy["linear_svm"].budget
    assert (timed["step"], timed["budget"]) == ("training and prediction", budget)
    figures = f"{timed['seconds']:.1f} CPU seconds of its {budget:g} s budget"
    assert figures in test.output + test.message


# -- the figures read well: names, budgets, sharpness -----------------------------------


def test_gradient_bars_name_the_function_and_its_parameter(
    reference: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    draw = figures.gradient_check

    def spy(errors: dict[str, float], tolerance: float) -> Any:
        drawn.extend(errors)
        return draw(errors, tolerance)

    monkeypatch.setattr(figures, "gradient_check", spy)
    feedback.write_feedback(reference, tmp_path)
    assert {"matmul_backward: dx", "matmul_backward: dw"} <= set(drawn)
    assert all(re.fullmatch(r"[A-Za-z_][\w.]*: d\w+", name) for name in drawn), drawn


def test_the_time_chart_draws_a_timed_step_against_the_budget_its_message_names(
    reference: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MNIST test records its training (or prediction) time and [accuracy.<part>]'s
    budget, which its message states; the chart uses them, not the test's own wider
    budget. Every bar takes its test's status."""
    budget = CONFIG.accuracy["linear_svm"].budget
    record = {"kind": "budget", "step": "training", "seconds": 4.5, "budget": budget}
    last = [o for o in reference.outcomes if o.spec.part == "linear_svm" and o.spec.visible][-1]
    assert last.spec.budget != budget  # a test's own budget covers the grader's work too
    outcomes = [
        dataclasses.replace(o, evidence=(record,), status="failed") if o is last else o
        for o in reference.outcomes
    ]
    seen: dict[str, Any] = {}
    draw = feedback.grading_figures.time_budget

    def spy(names: list[str], seconds: list[float], budgets: list[float], statuses: Any) -> Any:
        seen.update(names=names, seconds=seconds, budgets=budgets, statuses=statuses)
        return draw(names, seconds, budgets, statuses)

    monkeypatch.setattr(feedback.grading_figures, "time_budget", spy)
    feedback.write_feedback(dataclasses.replace(reference, outcomes=outcomes), tmp_path)
    row = [name.endswith("(training)") for name in seen["names"]].index(True)
    assert (seen["seconds"][row], seen["budgets"][row]) == (4.5, budget)
    assert seen["statuses"][row] == "failed"
    visible = [o for o in outcomes if o.spec.visible]
    assert seen["statuses"] == [o.status for o in visible]


def test_figures_are_drawn_at_144_dpi_and_shown_at_their_size_in_inches(
    reference_page: Path,
) -> None:
    """1.5 image pixels per CSS pixel (96 per inch): sharp on dense screens, not larger."""
    assert feedback.DPI >= 144
    page = reference_page.read_text("utf-8")
    for match in re.finditer(r"<img src='data:image/png;base64,([^']+)' width='(\d+)' "
                             r"height='(\d+)'", page):  # fmt: skip
        png = base64.b64decode(match.group(1))
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert int(match.group(2)) == round(width * 96 / feedback.DPI)
        assert int(match.group(3)) == round(height * 96 / feedback.DPI)
    assert page.count("<img ") == len(re.findall(r"<img [^>]* width='\d+' height='\d+'", page))
