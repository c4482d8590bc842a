"""Tests of the gradebook (autograder/instructor/grade_all/gradebook.py) and the class
summary (summary.py), from hand-made students' folders and results; and of the summary
page of a graded class (slow)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import pytest
from grade_all_helpers import (
    rows_of,
)

from autograder.instructor.grade_all import summary
from autograder.instructor.grade_all.gradebook import (
    COLUMNS,
    Row,
    read_row,
    up_to_date,
    write_gradebook,
)
from autograder.instructor.grade_all.summary import Throughput, summarize


def _status(folder: Path, status: str, submission: str = "zip:1", results: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "status.json").write_text(json.dumps({"status": status, "submission": submission}))
    if results:
        (folder / "results.json").write_text('{"score": 0, "tests": []}')
    return folder


@pytest.mark.parametrize(
    ("status", "results", "final"),
    [
        ("graded", True, True),
        ("timeout", False, True),
        ("timeout", True, True),
        ("invalid zip", True, True),
        ("graded", False, False),
        ("grader error", True, False),
        ("grader error", False, False),
        ("interrupted", True, False),
        ("not graded", True, False),
    ],
)
def test_graded_timed_out_and_invalid_zips_are_final_until_the_submission_changes(
    tmp_path: Path, status: str, results: bool, final: bool
) -> None:
    folder = _status(tmp_path / "students/alice", status, results=results)
    assert up_to_date(folder, "zip:1") is final
    assert not up_to_date(folder, "zip:2") and not up_to_date(folder, None)
    assert not up_to_date(tmp_path / "students/nobody", "zip:1")


def test_the_gradebook_is_written_under_a_unique_temporary_name(tmp_path: Path) -> None:
    (tmp_path / ".gradebook.csv.tmp").mkdir()  # a fixed temporary name would collide
    write_gradebook([Row("adam", "not graded", None)], tmp_path / "gradebook.csv")
    assert rows_of(tmp_path / "gradebook.csv")["adam"]["status"] == "not graded"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gradebook.csv.tmp", "gradebook.csv"]


def _results(tmp_path: Path, name: str, tests: list[tuple[str, float, float, str]]) -> Path:
    folder = tmp_path / "students" / name
    folder.mkdir(parents=True)
    data = {
        "score": sum(score for _, _, score, _ in tests),
        "execution_time": 2.5,
        "tests": [
            {"name": f"{part}: {i}", "score": s, "max_score": m, "tags": [part], "visibility": v}
            for i, (part, m, s, v) in enumerate(tests)
        ],
    }
    (folder / "results.json").write_text(json.dumps(data))
    return folder


def test_a_row_adds_up_the_points_of_each_part_from_the_tests_tags(tmp_path: Path) -> None:
    tests = [("knn", 2, 2, "visible"), ("knn", 3, 1.5, "hidden"), ("warmup", 1, 0, "visible")]
    row = read_row("alice", _results(tmp_path, "alice", tests))
    assert row.status == "graded" and row.total == 3.5 and row.seconds == 2.5
    assert row.points == {"warmup": 0, "knn": 3.5, "linear_svm": 0, "neural_net": 0}
    assert row.maxima == {"warmup": 1, "knn": 5, "linear_svm": 0, "neural_net": 0}
    assert row.failed == (("knn: 1", "hidden"), ("warmup: 2", "visible"))


def test_a_student_without_results_keeps_the_status_of_its_last_grading(tmp_path: Path) -> None:
    assert read_row("bob", tmp_path / "students/bob").status == "not graded"
    folder = tmp_path / "students/carol"
    folder.mkdir(parents=True)
    (folder / "status.json").write_text('{"status": "timeout", "seconds": 720.4}')
    (folder / "results.json").write_text('{"score": 3')  # cut short: not complete
    assert read_row("carol", folder) == Row("carol", "timeout", 720.4)
    dave = _results(tmp_path, "dave", [("knn", 2, 2, "visible")])  # written by a grading
    (dave / "status.json").write_text('{"status": "interrupted", "seconds": 0.1}')  # cut short
    assert read_row("dave", dave) == Row("dave", "interrupted", 0.1)


def test_the_gradebook_has_a_row_per_student_sorted_and_blank_points_without_results(
    tmp_path: Path,
) -> None:
    rows = [
        read_row("zoe", _results(tmp_path, "zoe", [("knn", 2, 2, "visible")])),
        Row("adam", "interrupted", 1.25),
    ]
    written = rows_of(write_gradebook(rows, tmp_path / "gradebook.csv"))
    assert list(written) == ["adam", "zoe"]
    assert tuple(written["zoe"]) == COLUMNS
    assert written["adam"] == dict.fromkeys(COLUMNS, "") | {
        "student": "adam",
        "status": "interrupted",
        "seconds": "1.2",
    }
    assert written["zoe"]["knn"] == "2" and written["zoe"]["warmup"] == "0"


def test_an_optional_part_graded_for_some_student_gets_a_column_after_the_required_ones(
    tmp_path: Path,
) -> None:
    rows = [
        read_row("zoe", _results(tmp_path, "zoe", [("softmax", 4, 3, "visible")])),
        read_row("max", _results(tmp_path, "max", [("knn", 2, 2, "visible")])),
    ]
    written = rows_of(write_gradebook(rows, tmp_path / "gradebook.csv"))
    assert tuple(written["zoe"]) == (*COLUMNS[:5], "softmax", *COLUMNS[5:])
    assert written["zoe"]["softmax"] == "3" and written["max"]["softmax"] == ""


def test_each_failed_test_counts_once_per_student_that_failed_it(tmp_path: Path) -> None:
    both = [("knn", 2, 0, "hidden"), ("warmup", 1, 1, "visible")]
    rows = [
        read_row("a", _results(tmp_path, "a", both)),
        read_row("b", _results(tmp_path, "b", both[:1])),
        read_row("c", _results(tmp_path, "c", [("knn", 2, 2, "hidden")])),
        Row("d", "not graded", None),
    ]
    summary = summarize(rows)
    assert (summary.students, summary.graded) == (4, 3)
    assert [(t.name, t.visibility, t.students) for t in summary.failed] == [("knn: 0", "hidden", 2)]
    assert summary.failed[0].share == pytest.approx(2 / 3)
    assert summary.statuses == {"graded": 3, "not graded": 1}
    assert summary.maxima == {"warmup": 1, "knn": 2, "total": 3}


def _summary_rows(tmp_path: Path) -> list[Row]:
    return [
        read_row("a", _results(tmp_path, "a", [("knn", 2, 0, "hidden"), ("warmup", 1, 1, "x<y")])),
        read_row("b", _results(tmp_path, "b", [("knn", 2, 2, "hidden"), ("warmup", 1, 0, "v")])),
        Row("c", "timeout", 720.0),
    ]


def test_the_summary_pages_name_the_failed_tests_and_hold_the_figure(tmp_path: Path) -> None:
    run = Throughput(graded=2, skipped=1, seconds=30.0, jobs=2)
    html_page, markdown = summary.write_summary(_summary_rows(tmp_path), tmp_path, run)
    page = html_page.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>\n")
    assert "<title>Class summary</title>" in page and "<h1>Class summary</h1>" in page
    assert "3 students (2 graded, 1 timeout)." in page and run.line() in page
    assert "<td>knn: 0</td><td>hidden</td><td>1</td><td>50%</td>" in page
    assert "<td>warmup: 1</td><td>v</td>" in page and "x&lt;y" not in page  # a passed test
    png = (tmp_path / summary.FIGURE).read_bytes()
    assert png.startswith(b"\x89PNG") and base64.b64encode(png).decode() in page
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Class summary\n") and "| knn: 0 | hidden | 1 | 50% |" in text
    assert f"![Score distribution]({summary.FIGURE})" in text
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_summary_without_results_has_no_figure_and_no_failed_test(tmp_path: Path) -> None:
    run = Throughput(graded=0, skipped=0, seconds=0.0, jobs=1)
    html_page, markdown = summary.write_summary([Row("a", "grader error", 1.0)], tmp_path, run)
    page = html_page.read_text(encoding="utf-8")
    assert "<img" not in page and "<p>None.</p>" in page and "<h2>Scores</h2>" not in page
    assert not (tmp_path / summary.FIGURE).exists()
    assert markdown.read_text(encoding="utf-8").rstrip().endswith("None.")
    assert "0 submissions in 0.0 s with 1 job: 0.0 submissions per minute" in run.line()


def test_the_failed_table_is_cut_after_its_rows_and_says_how_many_are_left(
    tmp_path: Path,
) -> None:
    tests = [("knn", 1, 0, "visible")] * (summary.FAILED_SHOWN + 3)
    rows = [read_row("a", _results(tmp_path, "a", tests))]
    page = summary.render_html(summary.summarize(rows), Throughput(1, 0, 1.0, 1), None)
    assert page.count("<td>visible</td>") == summary.FAILED_SHOWN
    assert "... and 3 more tests that some student failed." in page


@pytest.mark.slow
@pytest.mark.mnist
def test_the_summary_page_is_self_contained_with_the_figure_and_the_failed_tests(
    graded: Path, direct: dict[str, dict[str, Any]]
) -> None:
    page = (graded / "summary.html").read_text(encoding="utf-8")
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    start = page.index("src='data:image/png;base64,") + len("src='data:image/png;base64,")
    png = base64.b64decode(page[start : page.index("'", start)])
    assert png.startswith(b"\x89PNG") and png == (graded / "score_distribution.png").read_bytes()
    knn = [t for t in direct["reference"]["tests"] if t["tags"] == ["knn"]]
    assert any(t["visibility"] == "hidden" for t in knn)
    for test in knn:  # failed by the stubs and by broken: 2 of 4 students
        cells = f"<td>{html.escape(test['name'])}</td><td>{test['visibility']}</td>"
        assert f"{cells}<td>2</td><td>50%</td>" in page, cells
    assert "4 students (4 graded)" in page
    markdown = (graded / "summary.md").read_text(encoding="utf-8")
    assert "![Score distribution](score_distribution.png)" in markdown
    assert "submissions per minute" in markdown


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","open me")', "+1", "-2", "@SUM(A1)"]
)
def test_a_student_named_like_a_formula_is_text_in_the_gradebook(tmp_path: Path, name: str) -> None:
    path = write_gradebook([Row(name, "graded", 1.0, 7.0, {"warmup": 7.0})], tmp_path / "g.csv")
    rows = rows_of(path)
    assert list(rows) == [f"'{name}"]  # a leading quote: the spreadsheet shows it as text
    assert rows[f"'{name}"]["total"] == "7" and rows[f"'{name}"]["warmup"] == "7"
