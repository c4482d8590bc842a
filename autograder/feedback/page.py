"""A student's feedback page for a Grade: HTML (self-contained), Markdown and PNG figures.

The grading layer returns numbers (autograder.engine.grading.Grade, whose outcomes carry the
evidence of autograder.engine.evidence); autograder.feedback.figures and grading_figures
draw arrays; autograder.feedback.html is the page's scaffold; this module picks what to
show and renders it. Tests whose visibility is not "visible" never appear by
name, and their evidence is not drawn: each part shows them as one line of points.
Nothing on the page depends on when it was written, so the same grade gives the same
files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from autograder.contract import ALL_PARTS, BY_NAME
from autograder.engine import evidence
from autograder.engine.results import Grade, Outcome
from autograder.feedback import figures, grading_figures, html, report

__all__ = ["write_feedback"]

NO_MNIST = "No MNIST run: the slow tests were left out or failed before training."
NO_GRADIENT = "No gradient check: the visible gradient tests were left out or failed before it."
FUNCTION = re.compile(r"\s*([A-Za-z_][\w.]*)")
"""The function a gradient check's name starts with: ``matmul_backward(x (2, 3), ...): dw``."""
MESSAGE_LINES = 4
"""Lines of a test's message shown in its row."""
DPI = 144
"""Pixels per inch of the figures' PNGs. The page shows them at html.CSS_DPI (96 CSS
pixels per inch, so a 10-point label is 13 CSS pixels high), 1.5 image pixels per CSS
pixel: sharp on high-density screens."""


@dataclass(frozen=True)
class Shown:
    """One figure of the page: its file stem (``<part>_<figure>``), caption and PNG."""

    stem: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Section:
    """One part of the page: its visible tests, its hidden tests' points, its figures,
    and a note for each figure that could not be drawn."""

    heading: str
    visible: list[Outcome]
    hidden: tuple[int, float, float]  # count, points earned, points at most
    shown: list[Shown]
    notes: list[str]


def write_feedback(
    grade: Grade, folder: Path, *, title: str = "Feedback on your submission"
) -> Path:
    """Write folder/feedback.html, folder/feedback.md and folder/figures/*.png; return the
    HTML file's path."""
    sections = [_section(grade, part) for part in ALL_PARTS if grade.part_score(part)[1] > 0]
    timing = _timing(grade)
    shown = {s.stem: s.png for s in [*timing, *(s for section in sections for s in section.shown)]}
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    for old in (folder / "figures").glob("*.png"):  # of an earlier page in this folder
        if old.stem not in shown and old.stem.startswith(("timing", *ALL_PARTS)):
            old.unlink()
    for stem, png in shown.items():
        (folder / "figures" / f"{stem}.png").write_bytes(png)
    (folder / "feedback.md").write_text(_markdown(grade, title, sections, timing), "utf-8")
    page = folder / "feedback.html"
    page.write_text(_html(grade, title, sections, timing), "utf-8")
    return page


# -- what the page shows ----------------------------------------------------------------


def _section(grade: Grade, part: str) -> Section:
    mine = [outcome for outcome in grade.outcomes if outcome.spec.part == part]
    visible = [outcome for outcome in mine if outcome.spec.visible]
    hidden = [outcome for outcome in mine if not outcome.spec.visible]
    score, most = grade.part_score(part)
    heading = f"{BY_NAME[part].heading}: {_pts(score)} / {_pts(most)} points"
    earned = sum(o.points * o.fraction for o in hidden)
    hidden_points = (len(hidden), earned, sum(o.points for o in hidden))
    return Section(heading, visible, hidden_points, *_figures(part, visible))


def _figures(part: str, visible: list[Outcome]) -> tuple[list[Shown], list[str]]:
    """The part's figures drawn from its visible tests' evidence, and a note for each
    figure that the evidence does not allow."""
    shown: list[Shown] = []
    notes: list[str] = []

    def show(figure: str, caption: str, draw: Callable[[], Figure]) -> None:
        try:  # evidence is the submission's output: a label out of range must not stop us
            shown.append(_shown(f"{part}_{figure}", caption, draw()))
        except (ValueError, TypeError, IndexError) as error:
            notes.append(
                f"No {figure.replace('_', ' ')} figure: the data could not be drawn ({error})."
            )

    record = _mnist(visible).get(part)
    if BY_NAME[part].mnist and record is None:
        notes.append(NO_MNIST)
    elif record is not None:
        history = record.get("history") or {}
        if part != "knn" and len(history.get("loss", ())):
            curves = {"train_acc": history.get("train_acc"), "val_acc": history.get("val_acc")}
            show(
                "training",
                "Loss per iteration (and accuracy per epoch, if kept)",
                lambda: figures.training_curves(
                    history["loss"], **curves, title="Training on MNIST"
                ),
            )
        elif part != "knn":
            notes.append("No training curve: train returned no loss history.")
        if part == "linear_svm" and record.get("weights") is not None:
            caption = "The ten class templates: the columns of W"
            show("templates", caption, lambda: figures.templates(record["weights"]))
        elif part == "linear_svm":
            notes.append("No templates: the trained weights did not come back.")
        show(
            "confusion",
            f"MNIST test set: accuracy {record['accuracy']:.2%}",
            lambda: figures.confusion_matrix(record["y_true"], record["y_pred"]),
        )
        wrong = (record["wrong_images"], record["wrong_true"])
        if len(record["wrong_true"]):
            caption = f"The first {len(record['wrong_true'])} misclassified test images"
            show(
                "mistakes",
                f"{caption}: true label, pred predicted label",
                lambda: figures.digits(
                    *wrong, predicted=record["wrong_pred"], title="Misclassified test images"
                ),
            )
        else:
            notes.append("No misclassified test image: every prediction was right.")
    checks = evidence.of_kind(visible, "gradient")
    if checks:
        tolerance = max(float(check["tolerance"]) for check in checks)
        caption = f"Worst relative error of each gradient over {len(checks)} checks"
        show("gradient_check", caption, lambda: figures.gradient_check(_worst(checks), tolerance))
    elif BY_NAME[part].gradients:
        notes.append(NO_GRADIENT)
    return shown, notes


def _worst(checks: list[dict[str, Any]]) -> dict[str, float]:
    """ "function: parameter" (``sigmoid_neuron: dw``) -> its largest error over the
    gradient records (NaN if any is NaN)."""
    worst: dict[str, float] = {}
    for check in checks:
        function = FUNCTION.match(check["name"])
        parameter = check["parameter"]
        name = f"{function.group(1)}: {parameter}" if function else parameter
        error = float(check["error"])
        previous = worst.get(name, error)
        worst[name] = math.nan if math.isnan(previous + error) else max(previous, error)
    return worst


def _timing(grade: Grade) -> list[Shown]:
    """The time figure of the visible tests (empty when none ran)."""
    visible = [outcome for outcome in grade.outcomes if outcome.spec.visible]
    if not visible:
        return []
    names, seconds, budgets = [], [], []
    for o in visible:
        timed = [found for found in o.evidence if found["kind"] == "budget"]
        name = _short(f"{o.spec.part}: {report.title(o)}", 60 if timed else 64)
        if timed:  # the budget of the test's message: its timed step's
            names.append(f"{name} ({timed[-1]['step']})")
            seconds.append(float(timed[-1]["seconds"]))
            budgets.append(float(timed[-1]["budget"]))
        else:  # the CPU seconds its budget charged (the wall time before they were recorded)
            charged = [found for found in o.evidence if found["kind"] == "cpu"]
            names.append(name)
            seconds.append(float(charged[-1]["seconds"]) if charged else o.seconds)
            budgets.append(o.spec.budget)
    statuses = [o.status for o in visible]
    fig = grading_figures.time_budget(names, seconds, budgets, statuses)
    caption = (
        "CPU seconds the submission used in each visible test against its time budget "
        "(hidden tests left out); an MNIST test shows its training and prediction against "
        "that step's budget"
    )
    return [_shown("timing", caption, fig)]


def _mnist(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """part -> the last MNIST record of the visible tests among `outcomes`."""
    return {found["part"]: found for found in evidence.of_kind(outcomes, "mnist")}


def _shown(stem: str, caption: str, fig: Figure) -> Shown:
    """The figure as PNG bytes (figures.png_bytes), with its file stem and caption."""
    return Shown(stem, caption, figures.png_bytes(fig, dpi=DPI))


# -- rendering --------------------------------------------------------------------------


def _html(grade: Grade, heading: str, sections: list[Section], timing: list[Shown]) -> str:
    e = html.escape
    out = [
        f"<p><strong>Total: {_pts(grade.score)} / {_pts(grade.max_score)} points</strong>"
        f"</p><ul>{''.join(f'<li>{e(s.heading)}</li>' for s in sections)}</ul>",
        f"<p class='note'>{e(_metadata(grade))}</p>",
    ]
    for section in sections:
        rows = [
            [
                html.cell(report.title(o)),
                html.cell(o.status, css=o.status),
                html.cell(f"{_pts(o.points * o.fraction)} / {_pts(o.points)}", css="number"),
                html.cell(f"{o.seconds:.2f}", css="number"),
                html.cell(_lines(o.message), pre=True),
            ]
            for o in section.visible
        ]
        header = ("test", "status", "points", "seconds", "message")
        out.append(f"<h2>{e(section.heading)}</h2>" + html.table(header, rows))
        out += [f"<p>{e(line)}</p>" for line in _hidden_line(section)]
        out += [f"<p class='note'>{e(note)}</p>" for note in section.notes]
        out += [html.figure(shown.png, shown.caption, dpi=DPI) for shown in section.shown]
    out += ["<h2>Time used</h2>", *(html.figure(s.png, s.caption, dpi=DPI) for s in timing)]
    return html.page(heading, out)


def _markdown(grade: Grade, heading: str, sections: list[Section], timing: list[Shown]) -> str:
    total = f"**Total: {_pts(grade.score)} / {_pts(grade.max_score)} points**"
    out = [f"# {heading}\n\n{total}\n", *(f"- {s.heading}" for s in sections)]
    out.append(f"\n_{_metadata(grade)}_")
    for section in sections:
        out.append(f"\n## {section.heading}\n\n| test | status | points | seconds | message |")
        out.append("| --- | --- | --- | --- | --- |")
        for o in section.visible:
            message = _cell(_lines(o.message))
            out.append(
                f"| {_cell(report.title(o))} | {o.status} | {_pts(o.points * o.fraction)} / "
                f"{_pts(o.points)} | {o.seconds:.2f} | {message} |"
            )
        paragraphs = [*_hidden_line(section), *(f"_{note}_" for note in section.notes)]
        paragraphs += [f"![{s.caption}](figures/{s.stem}.png)" for s in section.shown]
        out += [line for paragraph in paragraphs for line in ("", paragraph)]
    out += ["", "## Time used", *(f"\n![{s.caption}](figures/{s.stem}.png)" for s in timing)]
    return "\n".join(out) + "\n"


def _hidden_line(section: Section) -> list[str]:
    count, earned, most = section.hidden
    return [f"{count} hidden tests: {_pts(earned)} / {_pts(most)} points"] if count else []


def _metadata(grade: Grade) -> str:
    """The run's settings and versions (no dates): enough to replay it."""
    keys = ("seed", "hypothesis_max_examples", "python", "numpy", "pytest", "hypothesis")
    items = [f"{key} {grade.extra[key]}" for key in keys if key in grade.extra]
    items += [
        f"BLAS {b.get('internal_api')} {b.get('version')} ({b.get('num_threads')} thread(s))"
        for b in grade.extra.get("blas", ())
    ]
    return f"Graded in {grade.seconds:.1f} s; " + ", ".join(items) + "."


def _lines(message: str) -> str:
    lines = message.strip().splitlines()
    more = f"\n... ({len(lines) - MESSAGE_LINES} more lines)" if len(lines) > MESSAGE_LINES else ""
    return "\n".join(line[:300] for line in lines[:MESSAGE_LINES]) + more


def _cell(text: str) -> str:
    """Text for one Markdown table cell: HTML escaped, pipes escaped, lines as <br>."""
    return html.escape(text).replace("|", "\\|").replace("\n", "<br>")


def _short(text: str, most: int = 64) -> str:
    """`text` cut in the middle to at most `most` characters, keeping a "[parameter]"."""
    if len(text) <= most:
        return text
    end = text[text.rindex("[") :] if text.endswith("]") and "[" in text else ""
    return text[: max(most - len(end) - 3, 8)] + "..." + end


def _pts(points: float) -> str:
    return f"{round(points, 4):g}"
