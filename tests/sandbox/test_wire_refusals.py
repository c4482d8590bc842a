"""What the channel (autograder.sandbox.wire) refuses to decode: malformed, oversized or
truncated streams (receive) and documents with unknown or malformed tags (unpack)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from wire_streams import BYTE_LIMIT, message, raw

from autograder.sandbox import wire

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
