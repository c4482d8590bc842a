"""The plain-data channel between the grader and a worker (autograder.sandbox.wire), on byte streams:
what round-trips, what pack refuses to send, what receive and unpack refuse to decode."""

from __future__ import annotations

import io
import json
import math
import pickle
from typing import Any

import numpy as np
import pytest

from autograder.sandbox import wire

BYTE_LIMIT = 2**24


def message(value: Any) -> bytes:
    """The bytes of one message whose header holds `value` under "v"."""
    arrays: list[np.ndarray[Any, Any]] = []
    node = wire.pack(value, arrays)
    stream = io.BytesIO()
    wire.send(stream, {"v": node}, arrays)
    return stream.getvalue()


def round_trip(value: Any, *, readonly: bool = False) -> Any:
    header, arrays = wire.receive(io.BytesIO(message(value)), BYTE_LIMIT, readonly=readonly)
    return wire.unpack(header["v"], arrays)


def raw(document: Any, data: bytes = b"") -> io.BytesIO:
    """A stream holding a message built by hand: `document` (JSON text or a value to dump)
    and then `data`."""
    text = document if isinstance(document, bytes) else json.dumps(document).encode()
    return io.BytesIO(wire.PREFIX.pack(wire.MAGIC, len(text)) + text + data)


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


# -- receive refuses -----------------------------------------------------------------------


def test_an_empty_stream_raises_eof() -> None:
    with pytest.raises(EOFError):
        wire.receive(io.BytesIO(b""), BYTE_LIMIT)


def test_a_wrong_magic_is_refused() -> None:
    good = message([1, 2])
    with pytest.raises(wire.ProtocolError):
        wire.receive(io.BytesIO(b"XGW1" + good[4:]), BYTE_LIMIT)


def test_a_document_longer_than_the_limit_is_refused() -> None:
    document = b'{"h":{},"a":[]}'
    padded = document + b" " * (wire.DOCUMENT_LIMIT + 1 - len(document))
    with pytest.raises(wire.ProtocolError):
        wire.receive(raw(padded), BYTE_LIMIT)


@pytest.mark.parametrize(
    "document",
    [b"{not json", b'{"h": {}, "a": [', b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000],
    ids=["garbage", "unterminated", "not-utf8", "deeply-nested"],
)
def test_invalid_json_is_refused(document: bytes) -> None:
    with pytest.raises(wire.ProtocolError):
        wire.receive(raw(document), BYTE_LIMIT)


@pytest.mark.parametrize(
    "document",
    [[], {"a": []}, {"h": [], "a": []}, {"h": {}}, {"h": {}, "a": {}}, {"h": {}, "a": [1]}],
    ids=str,
)
def test_a_document_without_header_or_array_list_is_refused(document: Any) -> None:
    with pytest.raises(wire.ProtocolError):
        wire.receive(raw(document), BYTE_LIMIT)


@pytest.mark.parametrize("dtype", ["O", "|O8", "V8", "[('a','O')]", "<U5", "S8", "M8[D]", ""])
def test_dtypes_that_are_not_numbers_are_refused(dtype: str) -> None:
    stream = raw({"h": {}, "a": [{"dtype": dtype, "shape": [1]}]}, bytes(64))
    with pytest.raises(wire.ProtocolError):
        wire.receive(stream, BYTE_LIMIT)


@pytest.mark.parametrize(
    "shape", [[-1], [2, -3], [1.5], ["3"], [True], [None], 3, [2**40]], ids=str
)
def test_a_negative_non_int_or_oversized_shape_entry_is_refused(shape: Any) -> None:
    stream = raw({"h": {}, "a": [{"dtype": "<f8", "shape": shape}]}, bytes(64))
    with pytest.raises(wire.ProtocolError):
        wire.receive(stream, BYTE_LIMIT)


def test_arrays_totalling_more_than_the_byte_limit_are_refused() -> None:
    described = [{"dtype": "<f8", "shape": [500]}, {"dtype": "<f8", "shape": [500]}]
    stream = raw({"h": {}, "a": described}, bytes(8000))
    with pytest.raises(wire.ProtocolError, match="MB of arrays"):
        wire.receive(stream, 7999)


def test_arrays_totalling_exactly_the_byte_limit_are_received() -> None:
    described = [{"dtype": "<f8", "shape": [500]}, {"dtype": "<f8", "shape": [500]}]
    stream = raw({"h": {}, "a": described}, bytes(8000))
    _, arrays = wire.receive(stream, 8000)
    assert [array.shape for array in arrays] == [(500,), (500,)]


def test_a_huge_array_is_refused_before_anything_is_allocated() -> None:
    stream = raw({"h": {}, "a": [{"dtype": "<c16", "shape": [2**39, 2**39]}]})
    with pytest.raises(wire.ProtocolError, match="MB of arrays"):
        wire.receive(stream, BYTE_LIMIT)


@pytest.mark.parametrize("where", ["prefix", "document", "arrays", "last-byte"])
def test_a_stream_truncated_mid_message_is_refused(where: str) -> None:
    good = message({"x": np.arange(10.0)})
    document_end = len(good) - 80
    cut = {
        "prefix": 5,
        "document": wire.PREFIX.size + 3,
        "arrays": document_end + 20,
        "last-byte": len(good) - 1,
    }[where]
    with pytest.raises(wire.ProtocolError, match="ended in the middle"):
        wire.receive(io.BytesIO(good[:cut]), BYTE_LIMIT)


def test_two_messages_on_one_stream_are_read_one_after_the_other() -> None:
    stream = io.BytesIO(message([1]) + message(np.arange(2)))
    first, _ = wire.receive(stream, BYTE_LIMIT)
    second, arrays = wire.receive(stream, BYTE_LIMIT)
    assert wire.unpack(first["v"], []) == [1]
    assert wire.unpack(second["v"], arrays).tolist() == [0, 1]
    with pytest.raises(EOFError):
        wire.receive(stream, BYTE_LIMIT)


# -- unpack refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "node",
    [{}, {"a": 1, "b": 2}, [1, 2], {"L": [[1]]}, {"D": [["k", {"x": 1, "y": 2}]]}],
    ids=str,
)
def test_untagged_json_objects_and_lists_are_refused(node: Any) -> None:
    with pytest.raises(wire.ProtocolError, match="untagged"):
        wire.unpack(node, [])


@pytest.mark.parametrize(
    "node",
    [{"X": 1}, {"__class__": "os.system"}, {"A": 0}, {"A": -1}, {"A": "0"}, {"L": "abc"}],
    ids=str,
)
def test_unknown_or_malformed_tags_are_refused(node: Any) -> None:
    with pytest.raises(wire.ProtocolError, match="unknown tag"):
        wire.unpack(node, [])


@pytest.mark.parametrize(
    "node", [{"D": [["k"]]}, {"D": [[1.5, 1]]}, {"D": [[None, 1]]}, {"D": [[True, 1]]}], ids=str
)
def test_malformed_dict_entries_are_refused(node: Any) -> None:
    with pytest.raises(wire.ProtocolError, match="dict entry"):
        wire.unpack(node, [])


def test_a_scalar_tag_on_an_array_that_is_not_0d_is_refused() -> None:
    with pytest.raises(wire.ProtocolError, match="0-dimensional"):
        wire.unpack({"S": 0}, [np.arange(3)])


@pytest.mark.parametrize("node", [{"R": 1}, {"F": "array-0.npy"}], ids=str)
def test_kept_and_file_tags_are_refused_without_a_resolver(node: Any) -> None:
    with pytest.raises(wire.ProtocolError, match="unknown tag"):
        wire.unpack(node, [])


def test_kept_and_file_tags_go_to_the_resolver_when_given() -> None:
    seen: list[tuple[str, Any]] = []

    def resolve(tag: str, argument: Any) -> Any:
        seen.append((tag, argument))
        return f"{tag}:{argument}"

    out = wire.unpack({"L": [{"R": 1}, {"F": "array-0.npy"}]}, [], resolve)
    assert out == ["R:1", "F:array-0.npy"]
    assert seen == [("R", 1), ("F", "array-0.npy")]


def test_nesting_deeper_than_the_depth_limit_is_refused_on_unpack() -> None:
    node: Any = 0
    for _ in range(wire.DEPTH_LIMIT + 1):
        node = {"L": [node]}
    with pytest.raises(wire.ProtocolError, match="nested too deep"):
        wire.unpack(node, [])


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
