"""The channel between the grader and a worker: plain data only, never pickle.

A message is ``AGW1``, the length of a JSON document (8 bytes, little endian), the
document, then the raw bytes of each array it lists. The document is
``{"h": header, "a": [{"dtype": "<f8", "shape": [2, 3]}, ...]}``; values inside the
header are JSON scalars (None, bool, int, float including NaN and inf, str) or one-key
tags: ``{"L": [...]}`` list, ``{"T": [...]}`` tuple, ``{"D": [[key, value], ...]}`` dict,
``{"A": i}`` the i-th array, ``{"S": i}`` a numpy scalar held as the i-th (0-d) array,
``{"R": n}`` an object kept on the worker's side, ``{"F": [name, start, stop]}`` rows of
a file of the run's shared data folder.

Decoding checks everything: dtypes are numeric or bool (no object, no structured
dtype), sizes are bounded, nesting is bounded, tags are known. Arrays decoded by the
grader are fresh writable arrays; arrays decoded by a worker are read-only.

Standard library and numpy only, no other module of the autograder package: both sides
import it as autograder.sandbox.wire (the worker before its lockdown, through the lazy
autograder/__init__.py, which loads nothing else).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable
from typing import IO, Any

import numpy as np

MAGIC = b"AGW1"
PREFIX = struct.Struct("<4sQ")
DOCUMENT_LIMIT = 4 * 2**20
"""Bytes of one message's JSON document (arrays travel beside it, not in it)."""
DEPTH_LIMIT = 32
ITEM_LIMIT = 1_000_000
OUTPUT_LIMIT = 2_000
"""Characters of printed output kept per call or test (by the worker and the grader)."""
DTYPE = re.compile(r"[<>|=]?[biufc][0-9]{1,2}")
"""bool, signed and unsigned integers, floats and complex numbers only."""


class ProtocolError(Exception):
    """A message broke the format; its text says how (for a report, never trusted)."""


class Unsendable(Exception):
    """A value has no plain-data form (an object of a class of its own, an object array)."""


# -- values <-> JSON nodes -----------------------------------------------------------------


def pack(
    value: Any, arrays: list[np.ndarray[Any, Any]], ref: Callable[[Any], Any] | None = None
) -> Any:
    """The JSON node of `value`, appending its arrays to `arrays`. `ref` may turn a value
    into a node of its own (a kept object, a shared file); it returns None otherwise.
    Subclasses become their base type: a float subclass that lies about == is a float."""
    return _pack(value, arrays, ref, 0)


def _pack(value: Any, arrays: list[Any], ref: Callable[[Any], Any] | None, depth: int) -> Any:
    if depth > DEPTH_LIMIT:
        raise Unsendable(f"nesting deeper than {DEPTH_LIMIT} levels")
    if ref is not None and (node := ref(value)) is not None:
        return node
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
            raise Unsendable(f"an array of dtype {array.dtype} (use numbers)")
        contiguous = array if array.flags.c_contiguous else array.copy(order="C")
        arrays.append(contiguous.view(np.ndarray))
        return {"S" if isinstance(value, np.generic) else "A": len(arrays) - 1}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [_pack(item, arrays, ref, depth + 1) for item in value]
        return {"T" if isinstance(value, tuple) else "L": items}
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if type(key) not in (str, int):
                raise Unsendable(f"a dict key of type {type(key).__name__} (use str keys)")
            pairs.append([key, _pack(item, arrays, ref, depth + 1)])
        return {"D": pairs}
    raise Unsendable(f"an object of type {type(value).__name__}")


def unpack(
    node: Any,
    arrays: list[np.ndarray[Any, Any]],
    resolve: Callable[[str, Any], Any] | None = None,
) -> Any:
    """The value of a JSON node. `resolve(tag, argument)` turns the tags R and F into
    values; without it they are refused."""
    return _Unpacker(arrays, resolve).walk(node, 0)


class _Unpacker:
    """One unpack: its arrays, resolver and item count. (A plain object rather than a
    recursive closure: a closure that refers to itself is a reference cycle, and kept
    the arrays of every message alive until the garbage collector ran.)"""

    def __init__(
        self, arrays: list[np.ndarray[Any, Any]], resolve: Callable[[str, Any], Any] | None
    ) -> None:
        self.arrays, self.resolve, self.count = arrays, resolve, 0

    def walk(self, node: Any, depth: int) -> Any:
        self.count += 1
        if depth > DEPTH_LIMIT or self.count > ITEM_LIMIT:
            raise ProtocolError("a value nested too deep or with too many items")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict or len(node) != 1:
            raise ProtocolError(f"an untagged {type(node).__name__}")
        ((tag, argument),) = node.items()
        if tag in ("L", "T") and type(argument) is list:
            items = [self.walk(item, depth + 1) for item in argument]
            return items if tag == "L" else tuple(items)
        if tag == "D" and type(argument) is list:
            result = {}
            for pair in argument:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                    raise ProtocolError("a malformed dict entry")
                result[pair[0]] = self.walk(pair[1], depth + 1)
            return result
        if tag in ("A", "S") and type(argument) is int and 0 <= argument < len(self.arrays):
            array = self.arrays[argument]
            if tag == "A":
                return array
            if array.shape == ():
                return array[()]
            raise ProtocolError("a scalar that is not 0-dimensional")
        if tag in ("R", "F") and self.resolve is not None:
            return self.resolve(tag, argument)
        raise ProtocolError(f"an unknown tag {tag!r}")


# -- messages <-> bytes --------------------------------------------------------------------


def send(stream: IO[bytes], header: dict[str, Any], arrays: list[np.ndarray[Any, Any]]) -> None:
    """Write one message and flush it."""
    described = [{"dtype": array.dtype.str, "shape": list(array.shape)} for array in arrays]
    document = json.dumps({"h": header, "a": described}, separators=(",", ":")).encode()
    stream.write(PREFIX.pack(MAGIC, len(document)) + document)
    for array in arrays:
        if array.nbytes:
            stream.write(memoryview(array.reshape(-1)).cast("B"))  # type: ignore[arg-type]
    stream.flush()


def receive(
    stream: IO[bytes], byte_limit: int, *, readonly: bool = False
) -> tuple[dict[str, Any], list[np.ndarray[Any, Any]]]:
    """Read one message: (header, arrays). Raises EOFError when the stream ended before
    a message began, ProtocolError for anything malformed or over `byte_limit` bytes."""
    prefix = _read(stream, PREFIX.size, at_start=True)
    magic, length = PREFIX.unpack(prefix)
    if magic != MAGIC or length > DOCUMENT_LIMIT:
        raise ProtocolError("not a message of the grader's format")
    try:
        document = json.loads(_read(stream, length))
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"unreadable JSON ({type(error).__name__})") from None
    if type(document) is not dict or type(document.get("h")) is not dict:
        raise ProtocolError("a message without a header")
    described = document.get("a")
    if type(described) is not list:
        raise ProtocolError("a message without its list of arrays")
    shapes = [_checked(item) for item in described]
    total = sum(dtype.itemsize * math.prod(shape) for dtype, shape in shapes)
    if total > byte_limit:
        raise ProtocolError(f"{total / 2**20:.0f} MB of arrays, over the {byte_limit} bytes")
    arrays = []
    for dtype, shape in shapes:
        try:
            array = np.empty(shape, dtype=dtype)  # not zeroed: the stream fills it
        except (ValueError, MemoryError):
            raise ProtocolError(f"an array of shape {shape} cannot be made") from None
        if array.nbytes:
            _read_into(stream, memoryview(array.reshape(-1)).cast("B"))  # type: ignore[arg-type]
        if readonly:  # for good: a view of an immutable buffer
            array = np.frombuffer(memoryview(array).toreadonly(), dtype=dtype).reshape(shape)  # type: ignore[arg-type]
        arrays.append(array)
    return document["h"], arrays


def _checked(item: Any) -> tuple[np.dtype[Any], tuple[int, ...]]:
    if type(item) is not dict or type(item.get("dtype")) is not str:
        raise ProtocolError("an array without a dtype")
    if not DTYPE.fullmatch(item["dtype"]):
        raise ProtocolError(f"an array of dtype {item['dtype'][:20]!r}, not numeric")
    shape = item.get("shape")
    if type(shape) is not list or len(shape) > DEPTH_LIMIT:
        raise ProtocolError("an array without a shape")
    if not all(type(n) is int and 0 <= n < 2**40 for n in shape):
        raise ProtocolError("an array with a bad shape")
    try:
        dtype = np.dtype(item["dtype"])
    except TypeError:
        raise ProtocolError(f"an unknown dtype {item['dtype']!r}") from None
    return dtype, tuple(shape)


def _read(stream: IO[bytes], size: int, *, at_start: bool = False) -> bytes:
    buffer = bytearray(size)
    _read_into(stream, memoryview(buffer), at_start=at_start)
    return bytes(buffer)


def _read_into(stream: IO[bytes], view: memoryview, *, at_start: bool = False) -> None:
    done = 0
    while done < len(view):
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            if at_start and done == 0:
                raise EOFError("the stream ended")
            raise ProtocolError("the stream ended in the middle of a message")
        done += got
