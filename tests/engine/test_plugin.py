"""The pytest plugin of the grader, run with pytester on small graded modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.engine.plugin import Grader
from autograder.engine.results import Outcome
from autograder.sandbox import isolation

CONFIG = """
seed = 3
total_points = {total}
[defaults]
wall_margin = 1.0
[tests.warmup]
{entries}
"""


def run(
    pytester: pytest.Pytester, module: str, entries: str, total: float, **options: object
) -> tuple[pytest.RunResult, list[Outcome]]:
    """Run `module` as the warm-up's graded tests (warmup/test_warmup.py, the layout of
    autograder/graded/) with `entries` as its grading.toml."""
    path = pytester.makefile(".toml", grading=CONFIG.format(total=total, entries=entries))
    part = pytester.path / "warmup"
    part.mkdir(exist_ok=True)
    (part / "__init__.py").touch()
    (part / "test_warmup.py").write_text(module)
    folder = pytester.path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "warmup.py").write_text(
        "def add_mul(x, y, z):\n    return (x + y) * z, (z, z, x + y)\n"
    )
    grader = Grader(load_config(path), Path(folder), **options)  # type: ignore[arg-type]
    result = pytester.runpytest("-p", "no:cacheprovider", plugins=[grader])
    return result, grader.outcomes


def by_name(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {outcome.spec.name: outcome for outcome in outcomes}


def test_each_test_earns_its_points_from_grading_toml(pytester: pytest.Pytester) -> None:
    module = """
def test_right(warmup):
    assert warmup.add_mul(-2, 5, -4)[0] == -12

def test_wrong(warmup):
    from autograder.engine.failures import fail
    fail("add_mul: expected 7")
"""
    _, outcomes = run(pytester, module, "right = { points = 2 }\nwrong = { points = 3 }", 5)
    got = by_name(outcomes)
    assert (got["right"].status, got["right"].fraction, got["right"].points) == ("passed", 1.0, 2.0)
    assert (got["wrong"].status, got["wrong"].fraction) == ("failed", 0.0)
    assert got["wrong"].message == "add_mul: expected 7"


def test_partial_credit_keeps_its_share_and_message(pytester: pytest.Pytester) -> None:
    module = """
from autograder.engine.failures import PartialCredit
def test_tiered():
    raise PartialCredit(0.5, "accuracy 90% of 95%")
"""
    _, outcomes = run(pytester, module, "tiered = { points = 4 }", 4)
    assert (outcomes[0].status, outcomes[0].fraction) == ("partial", 0.5)
    assert outcomes[0].message == "accuracy 90% of 95%"


@pytest.mark.skipif(
    not isolation.current().alarm,
    reason="without SIGALRM (Windows) budgets are read where the grader waits on its worker",
)
def test_a_test_past_its_wall_backstop_fails_even_when_the_grader_itself_is_busy(
    pytester: pytest.Pytester,
) -> None:
    """The grader's own work uses no CPU of the submission's: the wall-clock backstop
    (4 x 0.2 s + 1 s) still ends a test that never finishes, by the timer signal."""
    module = """
def test_slow():
    while True:
        pass
"""
    _, outcomes = run(pytester, module, "slow = { points = 1, budget = 0.2 }", 1)
    assert outcomes[0].status == "failed"
    assert "wall-clock time, its backstop of 1.8 s" in outcomes[0].message


def test_student_exceptions_name_the_function_and_line(pytester: pytest.Pytester) -> None:
    module = """
def test_missing(warmup):
    warmup.square_jacobian([1.0])
"""
    _, outcomes = run(pytester, module, "missing = { points = 1 }", 1)
    assert "warmup.py has no square_jacobian" in outcomes[0].message


def test_parametrized_instances_share_the_points(pytester: pytest.Pytester) -> None:
    module = """
import pytest
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_cases(n):
    assert n != 4, "four is wrong"
"""
    _, outcomes = run(pytester, module, "cases = { points = 2 }", 2)
    assert [outcome.points for outcome in outcomes] == [0.5] * 4
    assert sum(outcome.points * outcome.fraction for outcome in outcomes) == 1.5


def test_visible_only_and_fast_deselect_tests(pytester: pytest.Pytester) -> None:
    module = """
import pytest
def test_shown():
    pass
def test_secret():
    pass
@pytest.mark.slow
def test_long():
    pass
"""
    entries = "\n".join(
        [
            "shown = { points = 1 }",
            'secret = { points = 1, visibility = "hidden" }',
            "long = { points = 1 }",
        ]
    )
    _, outcomes = run(pytester, module, entries, 3, visible_only=True, fast=True)
    assert [outcome.spec.name for outcome in outcomes] == ["shown"]


def test_a_graded_test_without_an_entry_stops_the_run(pytester: pytest.Pytester) -> None:
    module = "def test_orphan():\n    pass\n\ndef test_known():\n    pass\n"
    result, outcomes = run(pytester, module, "known = { points = 1 }\nghost = { points = 1 }", 2)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*no [[]tests[]] entry for warmup.orphan*no test for*warmup.ghost*"]
    )
    assert outcomes == []


def test_a_hypothesis_failure_shows_the_shrunk_counterexample(pytester: pytest.Pytester) -> None:
    module = """
from hypothesis import given, strategies as st
@given(n=st.integers(0, 100))
def test_small(n):
    assert n < 10, f"{n} is too big"
"""
    _, outcomes = run(pytester, module, "small = { points = 1 }", 1)
    assert outcomes[0].message.startswith("10 is too big")
    assert outcomes[0].message.splitlines()[-2:] == [
        "Failing input (the simplest hypothesis found):",
        "  n=10",
    ]


def test_a_counterexample_names_its_draws_and_cuts_its_arrays(pytester: pytest.Pytester) -> None:
    module = """
import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays
from autograder.engine.failures import fail
@given(data=st.data(), n=st.integers(1, 30))
def test_rows(warmup, data, n):
    X = data.draw(arrays(np.float64, (n, 12), elements=st.floats(-5, 5)), label="X")
    k = data.draw(st.integers(0, 3))
    if n >= 11:
        fail("too many rows")
"""
    _, outcomes = run(pytester, module, "rows = { points = 1 }", 1)
    message = outcomes[0].message
    assert "Draw" not in message and "data(" not in message and "warmup" not in message
    lines = message.splitlines()
    assert lines[:4] == [
        "too many rows",
        "Failing input (the simplest hypothesis found):",
        "  n=11",
        "  X=float64 array of shape (11, 12):",
    ]
    assert lines[4].startswith("    [[0. 0. 0. ... 0. 0. 0.]") and lines[-1] == "  value drawn 2=0"
    assert len(lines) == 4 + 7 + 1  # 3 rows, "...", 3 rows


def test_printed_output_is_kept_and_cut(pytester: pytest.Pytester) -> None:
    module = """
def test_noisy():
    print("x" * 5000)
    assert False, "wrong"
"""
    _, outcomes = run(pytester, module, "noisy = { points = 1 }", 1)
    assert outcomes[0].output.startswith("x" * 100)
    assert "more characters cut" in outcomes[0].output
    assert len(outcomes[0].output) < 2200


def test_the_generator_fixture_is_seeded_by_the_run_and_the_test(pytester: pytest.Pytester) -> None:
    module = """
def test_one(rng, record_property):
    record_property("note", str(rng.integers(1 << 30)))
def test_two(rng, record_property):
    record_property("note", str(rng.integers(1 << 30)))
"""
    entries = "one = { points = 1 }\ntwo = { points = 1 }"
    _, first = run(pytester, module, entries, 2)
    _, again = run(pytester, module, entries, 2)
    assert [o.message for o in first] == [o.message for o in again]
    assert first[0].message != first[1].message


def test_visible_tests_run_first_and_are_reported_in_grading_toml_order(
    pytester: pytest.Pytester,
) -> None:
    module = """
RAN = []
def test_secret():
    RAN.append("secret")
    print("run order:", RAN)
def test_shown():
    RAN.append("shown")
def test_later():
    RAN.append("later")
def test_last_shown():
    RAN.append("last_shown")
    print("ran before me:", RAN)
"""
    entries = "\n".join(
        [
            'secret = { points = 1, visibility = "hidden" }',
            "shown = { points = 1 }",
            'later = { points = 1, visibility = "after_due_date" }',
            "last_shown = { points = 1 }",
        ]
    )
    _, outcomes = run(pytester, module, entries, 4)
    assert [o.spec.name for o in outcomes] == ["secret", "shown", "later", "last_shown"]
    assert by_name(outcomes)["last_shown"].output == "ran before me: ['shown', 'last_shown']\n"
    assert by_name(outcomes)["secret"].output == (
        "run order: ['shown', 'last_shown', 'later', 'secret']\n"
    )
