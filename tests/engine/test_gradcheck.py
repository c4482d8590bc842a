"""Tests of autograder/engine/gradcheck.py: centred differences, relative errors, the check
result."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.engine.gradcheck import (
    GradientCheck,
    check_gradient,
    diagnose,
    numeric_gradient,
    partial_derivative,
    relative_error,
)


def sum_of_squares(x: np.ndarray) -> float:
    return float(np.sum(x**2))


def test_numeric_gradient_of_sum_of_squares_is_2x() -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(numeric_gradient(sum_of_squares, x), 2 * x, rtol=1e-7, atol=1e-9)


def test_numeric_gradient_of_a_matrix_product_is_the_transposed_product() -> None:
    # f(W) = sum(dout * (X @ W)) has gradient X.T @ dout
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 2))
    dout = rng.standard_normal((5, 2))
    grad = numeric_gradient(lambda w: float(np.sum(dout * (X @ w))), W)
    np.testing.assert_allclose(grad, X.T @ dout, rtol=1e-6, atol=1e-8)


def test_numeric_gradient_handles_scalars_and_3d_arrays() -> None:
    assert numeric_gradient(lambda x: float(x**3), np.array(2.0)) == pytest.approx(12.0)
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10
    grad = numeric_gradient(lambda a: float(np.sum(np.sin(a))), x)
    assert grad.shape == (2, 3, 4)
    np.testing.assert_allclose(grad, np.cos(x), atol=1e-8)


def test_numeric_gradient_is_float64_for_integer_input() -> None:
    x = np.array([1, 2, 3])
    grad = numeric_gradient(sum_of_squares, x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], atol=1e-6)


def test_numeric_gradient_does_not_modify_x() -> None:
    x = np.random.default_rng(2).standard_normal((4, 3))
    before = x.copy()
    numeric_gradient(sum_of_squares, x)
    np.testing.assert_array_equal(x, before)


def test_numeric_gradient_sees_x_with_only_one_coordinate_moved() -> None:
    x = np.array([1.0, 2.0, 3.0])
    seen: list[np.ndarray] = []
    numeric_gradient(lambda a: seen.append(a.copy()) or 0.0, x, h=0.5)
    moved = [np.flatnonzero(a != x) for a in seen]
    assert [m.tolist() for m in moved] == [[0], [0], [1], [1], [2], [2]]
    assert [float(a[i]) for a, i in zip(seen, [0, 0, 1, 1, 2, 2], strict=True)] == [
        1.5, 0.5, 2.5, 1.5, 3.5, 2.5,
    ]  # fmt: skip


def test_partial_derivative_restores_x_even_when_f_raises() -> None:
    x = np.array([1.0, 2.0])

    def boom(a: np.ndarray) -> float:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        partial_derivative(boom, x, (1,), 1e-3)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numeric_gradient_rejects_a_non_positive_step() -> None:
    with pytest.raises(ValueError, match="h must be positive"):
        numeric_gradient(sum_of_squares, np.ones(2), h=0.0)


def test_relative_error_is_symmetric_and_scale_free() -> None:
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
    assert relative_error(3.0, 1.0) == pytest.approx(0.5)
    assert relative_error(1e6, 3e6) == pytest.approx(0.5)
    assert relative_error(2.0, -2.0) == pytest.approx(1.0)
    assert relative_error(0.7, 0.7) == 0.0


def test_relative_error_floor_keeps_near_zero_gradients_from_reading_as_100_percent() -> None:
    # Without the floor, 1e-12 against -1e-12 would be |2e-12| / 2e-12 = 1
    assert relative_error(1e-12, -1e-12) == pytest.approx(2e-12 / 1e-8)
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1e-12, -1e-12, floor=0.0) == pytest.approx(1.0)
    assert relative_error(1e-12, -1e-12, floor=1e-20) == pytest.approx(1.0)


def test_relative_error_is_elementwise() -> None:
    errors = relative_error([[1.0, 0.0], [2.0, 5.0]], [[1.0, 0.0], [1.0, 5.0]])
    np.testing.assert_allclose(errors, [[0.0, 0.0], [1 / 3, 0.0]])


def test_check_gradient_passes_a_correct_gradient() -> None:
    x = np.random.default_rng(3).standard_normal((2, 5))
    result = check_gradient("sum of squares", sum_of_squares, x, 2 * x)
    assert result.name == "sum of squares"
    assert result.max_error < 1e-7
    assert result.passed(1e-7)


def test_check_gradient_locates_the_worst_coordinate() -> None:
    x = np.random.default_rng(4).standard_normal((3, 4)) + 3.0  # away from zero
    wrong = 2 * x
    wrong[2, 1] *= 1.5  # a small error: 0.5 / 2.5 = 0.2
    wrong[0, 3] *= 3.0  # the big one: 2 / 4 = 0.5
    result = check_gradient("sq", sum_of_squares, x, wrong)
    assert result.worst_index == (0, 3)
    assert result.max_error == pytest.approx(0.5, rel=1e-6)
    assert result.analytic == wrong[0, 3]
    assert result.numeric == pytest.approx(2 * x[0, 3], rel=1e-7)
    assert not result.passed(0.4)
    assert result.passed(0.5 + 1e-6)


def test_check_gradient_reports_nan_as_the_worst_and_failing() -> None:
    x = np.ones(4)
    analytic = 2 * x
    analytic[1], analytic[2] = 100.0, np.nan
    result = check_gradient("nan", sum_of_squares, x, analytic)
    assert result.worst_index == (2,)
    assert np.isnan(result.max_error)
    assert not result.passed(1.0)


def test_check_gradient_does_not_modify_x_or_analytic() -> None:
    x = np.random.default_rng(5).standard_normal(6)
    analytic = 2 * x
    x_before, analytic_before = x.copy(), analytic.copy()
    check_gradient("sq", sum_of_squares, x, analytic)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(analytic, analytic_before)


def test_check_gradient_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"dW.*\(3, 2\).*\(2, 3\)"):
        check_gradient("dW", sum_of_squares, np.ones((2, 3)), np.ones((3, 2)))


def test_check_gradient_rejects_an_empty_x() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_gradient("db", sum_of_squares, np.ones(0), np.ones(0))


def test_gradient_check_is_frozen() -> None:
    result = GradientCheck("g", 0.0, (0,), 1.0, 1.0)
    with pytest.raises(AttributeError):
        result.max_error = 1.0  # type: ignore[misc]


# --- diagnose: the exact pattern of a wrong gradient ---------------------------------------

RNG = np.random.default_rng(7)
NUMERIC = RNG.standard_normal((4, 4))
W = RNG.standard_normal((4, 4))
REG_GRAD = 2 * 0.3 * W  # of the penalty 0.3 * sum(W**2)


@pytest.mark.parametrize(
    ("analytic", "finding"),
    [
        (-NUMERIC, "sign_flipped"),
        (NUMERIC.T, "transposed"),
        (NUMERIC - REG_GRAD / 2, "reg_gradient_halved"),
        (NUMERIC + REG_GRAD / 2, "reg_loss_halved"),
        (NUMERIC - REG_GRAD, "reg_gradient_missing"),
        (NUMERIC + REG_GRAD, "reg_missing_from_loss"),
        ((NUMERIC - REG_GRAD) / 5 + REG_GRAD, "divided_by_n_twice"),
        ((NUMERIC - REG_GRAD) * 5 + REG_GRAD, "not_divided_by_n"),
    ],
)
def test_diagnose_names_each_exact_pattern(analytic: np.ndarray, finding: str) -> None:
    assert diagnose(analytic, NUMERIC, reg_grad=REG_GRAD, batch_size=5) == finding


def test_diagnose_finds_nothing_in_a_right_or_an_unrelated_gradient() -> None:
    assert diagnose(NUMERIC * (1 + 1e-9), NUMERIC, reg_grad=REG_GRAD, batch_size=5) is None
    assert diagnose(W, NUMERIC, reg_grad=REG_GRAD, batch_size=5) is None
    assert diagnose(NUMERIC * 1.01, NUMERIC) is None  # off by 1%: no exact pattern


def test_diagnose_needs_what_each_pattern_is_relative_to() -> None:
    # Without reg_grad or batch_size, the reg and 1/N patterns cannot be told
    assert diagnose(NUMERIC - REG_GRAD / 2, NUMERIC) is None
    assert diagnose(NUMERIC / 5, NUMERIC) is None
    assert diagnose(NUMERIC / 5, NUMERIC, batch_size=1) is None


def test_diagnose_stays_silent_when_two_patterns_fit() -> None:
    antisymmetric = NUMERIC - NUMERIC.T  # its transpose is also minus itself
    assert diagnose(antisymmetric.T, antisymmetric) is None


def test_diagnose_blames_a_flat_loss_only_when_the_true_gradient_is_not_zero() -> None:
    zeros = np.zeros((4, 4))
    assert diagnose(W, zeros, expected=W) == "loss_piecewise_constant"
    assert diagnose(W, zeros) is None  # a true gradient of 0 with a wrong analytic one
    assert diagnose(W, zeros, expected=zeros) is None


def test_check_gradient_diagnoses_a_piecewise_constant_loss() -> None:
    x = np.array([[0.3, 1.2], [2.5, 0.4]])
    check = check_gradient("dx", lambda v: float(np.floor(np.sum(v))), x, np.ones((2, 2)))
    assert check.numeric == 0.0 and not check.passed(1e-5)
    assert check.finding is None  # the true gradient was not given
    with_expected = check_gradient(
        "dx", lambda v: float(np.floor(np.sum(v))), x, np.ones((2, 2)), expected=np.ones((2, 2))
    )
    assert with_expected.finding == "loss_piecewise_constant"


def test_check_gradient_diagnoses_on_sampled_coordinates_too() -> None:
    x = np.random.default_rng(3).standard_normal((5, 6))
    sample = [(0, 1), (2, 3), (4, 5)]
    check = check_gradient("dx", sum_of_squares, x, -2 * x, coordinates=sample)
    assert check.finding == "sign_flipped"
    assert check_gradient("dx", sum_of_squares, x, 2 * x, coordinates=sample).finding is None
