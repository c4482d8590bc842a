"""Byte streams of the channel (autograder.sandbox.wire) for its tests: a message
holding a value, a value sent and received, a message built by hand."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

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
