"""The plain-data channel between the grader and a worker (autograder.sandbox.wire), on
byte streams: what round-trips (never through pickle), what pack refuses to send, what
becomes of subclasses. What receive and unpack refuse to decode: test_wire_refusals.py."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
from wire_streams import round_trip

from autograder.sandbox import wire


def nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -1, 2**70, 0.0, -2.5, 1e308, math.inf, -math.inf, "", "héllo ✓"],
    ids=repr,
)
def test_plain_scalars_round_trip_with_their_type(value: Any) -> None:
    out = round_trip(value)
    assert type(out) is type(value)
    assert out == value


def test_nan_round_trips_as_a_float_nan() -> None:
    out = round_trip(math.nan)
    assert type(out) is float
    assert math.isnan(out)


def test_nested_containers_round_trip_equal() -> None:
    value = {"a": [1, (2.5, None, "x")], 3: {"b": (True, [[], ()])}, "": []}
    assert round_trip(value) == value


def test_tuples_stay_tuples_and_lists_stay_lists() -> None:
    out = round_trip(([1, (2,)], [(3,), [4]]))
    assert type(out) is tuple
    assert [type(item) for item in out] == [list, list]
    assert [type(item) for item in out[0]] == [int, tuple]
    assert [type(item) for item in out[1]] == [tuple, list]


def test_dict_keys_keep_their_str_or_int_type() -> None:
    out = round_trip({1: "int", "1": "str"})
    assert out == {1: "int", "1": "str"}
    assert {type(key) for key in out} == {int, str}


DTYPES = ["bool", "int8", "int64", "uint8", "float32", "float64", "complex128"]
SHAPES = [(), (0,), (3,), (2, 3, 4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_arrays_round_trip_with_dtype_shape_and_values(dtype: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    array = np.asarray(rng.uniform(0, 100, shape)).astype(dtype)
    if dtype == "complex128":
        array = np.asarray(array + 1j * rng.uniform(-1, 1, shape))
    out = round_trip(array)
    assert type(out) is np.ndarray
    assert out.dtype == np.dtype(dtype)
    assert out.shape == shape
    np.testing.assert_array_equal(out, array)


def test_float_arrays_keep_nan_and_inf() -> None:
    array = np.array([np.nan, np.inf, -np.inf, -0.0])
    out = round_trip(array)
    np.testing.assert_array_equal(out, array)
    assert np.signbit(out[3])


def test_a_non_contiguous_view_round_trips_as_its_values() -> None:
    array = np.arange(24, dtype=np.int64).reshape(4, 6)[::2].T
    assert not array.flags.c_contiguous
    out = round_trip(array)
    assert out.shape == (6, 2)
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize(
    "value",
    [
        np.bool_(True),
        np.int8(-5),
        np.int64(2**40),
        np.uint8(255),
        np.float32(1.5),
        np.float64(-2.25),
        np.complex128(1 - 2j),
    ],
    ids=lambda value: type(value).__name__,
)
def test_numpy_scalars_come_back_as_numpy_scalars_of_the_same_dtype(value: Any) -> None:
    out = round_trip(value)
    assert type(out) is type(value)
    assert out.dtype == value.dtype
    assert out == value


def test_arrays_inside_containers_round_trip_in_place() -> None:
    value = {"W": np.eye(2), "b": [np.zeros(3, np.float32), (np.int64(4),)]}
    out = round_trip(value)
    np.testing.assert_array_equal(out["W"], np.eye(2))
    np.testing.assert_array_equal(out["b"][0], np.zeros(3, np.float32))
    assert out["b"][0].dtype == np.float32
    assert out["b"][1] == (np.int64(4),)


def test_decoded_arrays_are_writable_by_default() -> None:
    out = round_trip(np.arange(3.0))
    out[0] = 7.0
    assert out.tolist() == [7.0, 1.0, 2.0]


def test_decoded_arrays_are_read_only_when_asked() -> None:
    out = round_trip(np.arange(3.0), readonly=True)
    assert not out.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        out[0] = 7.0


def test_read_only_decoded_arrays_cannot_be_made_writeable() -> None:
    out = round_trip(np.arange(3.0), readonly=True)
    with pytest.raises(ValueError):
        out.setflags(write=True)


def test_nesting_of_exactly_the_depth_limit_round_trips() -> None:
    value = nested(wire.DEPTH_LIMIT)
    assert round_trip(value) == value


# -- pack refuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.array([1, "a"], dtype=object),
        np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
        np.zeros(2, dtype=[("a", "O")]),
        np.array(["text"]),
        np.array([b"bytes"]),
        np.array(["2024-01-01"], dtype="datetime64[D]"),
    ],
    ids=["object", "structured", "structured-object", "unicode", "bytes", "datetime"],
)
def test_arrays_that_are_not_numbers_are_refused(array: np.ndarray[Any, Any]) -> None:
    with pytest.raises(wire.Unsendable, match="dtype"):
        wire.pack(array, [])


def test_an_object_array_inside_a_container_is_refused() -> None:
    with pytest.raises(wire.Unsendable):
        wire.pack({"ok": [1.0, np.array([None], dtype=object)]}, [])


def test_an_instance_of_a_class_of_its_own_is_refused() -> None:
    class Thing:
        pass

    with pytest.raises(wire.Unsendable, match="Thing"):
        wire.pack([Thing()], [])


@pytest.mark.parametrize("key", [1.5, (1, 2), None, True, b"bytes"], ids=repr)
def test_dict_keys_that_are_not_str_or_int_are_refused(key: Any) -> None:
    with pytest.raises(wire.Unsendable, match="dict key"):
        wire.pack({key: 1}, [])


def test_nesting_deeper_than_the_depth_limit_is_refused() -> None:
    with pytest.raises(wire.Unsendable, match="nesting"):
        wire.pack(nested(wire.DEPTH_LIMIT + 1), [])


def test_a_self_containing_list_is_refused_not_recursed_forever() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(wire.Unsendable):
        wire.pack(loop, [])


# -- subclasses become base types ----------------------------------------------------------


class Tagged(np.ndarray):  # type: ignore[type-arg]
    pass


class Liar(float):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


def test_an_ndarray_subclass_comes_back_as_exactly_ndarray() -> None:
    out = round_trip(np.arange(3.0).view(Tagged))
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, [0.0, 1.0, 2.0])


def test_a_float_subclass_that_lies_about_equality_comes_back_an_honest_float() -> None:
    liar = Liar(1.0)
    assert liar == 2.0  # the lie, before sending
    out = round_trip(liar)
    assert type(out) is float
    assert out == 1.0
    assert out != 2.0


# -- never pickle --------------------------------------------------------------------------


def test_received_data_never_goes_through_pickle(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pickle (or numpy's pickling loader) was used")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np.lib.format, "read_array", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    value = {"W": np.arange(6.0).reshape(2, 3), "n": np.int64(3), "items": [np.ones(2, bool)]}
    out = round_trip(value)
    np.testing.assert_array_equal(out["W"], value["W"])
    assert out["n"] == np.int64(3)
    np.testing.assert_array_equal(out["items"][0], [True, True])
