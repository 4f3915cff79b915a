"""The one format that crosses from an untrusted worker to the trusted side: JSON and raw array bytes.

Nothing the worker sends is unpickled or executed. A message is a JSON header (plain values,
with each array replaced by {"__array__": index, "dtype": ..., "shape": [...]}) followed by the
arrays' raw bytes. Decoding accepts only the dtypes below and rebuilds exact numpy.ndarrays.
"""
import json
import math
import struct

import numpy as np

DTYPES = ("float64", "float32", "bool", "int64")
MAX_MESSAGE_BYTES = 40 * 2**20  # the largest legitimate message: a mask study's scenario or its trace (~17 MiB)
MAX_HEADER_BYTES = 2**20
_LENGTH = struct.Struct(">Q")


class WireError(ValueError):
    """A message that is malformed, too large, or holds something other than plain values and arrays."""


def encode(value):
    arrays = []
    header = json.dumps(_plain(value, arrays)).encode()
    return _LENGTH.pack(len(header)) + header + b"".join(array.tobytes() for array in arrays)


# Plain recursive functions, not closures: a closure that calls itself is a reference cycle, and a
# cycle holding a message's arrays (or its bytes) lives until the garbage collector happens to run.
# Over hundreds of calls that was hundreds of MB on both sides of the wire.
def _plain(item, arrays):
    """`item` with every array replaced by its description; the arrays are appended to `arrays`."""
    if isinstance(item, (np.ndarray, np.generic)):
        array = np.asarray(item)
        if array.dtype.name not in DTYPES:
            raise WireError(f"arrays of dtype {array.dtype} cannot be sent (allowed: {DTYPES})")
        arrays.append(np.ascontiguousarray(array))
        return {"__array__": len(arrays) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}
    if isinstance(item, dict):
        return {str(key): _plain(entry, arrays) for key, entry in item.items()}
    if isinstance(item, (list, tuple)):
        return [_plain(entry, arrays) for entry in item]
    if item is None or isinstance(item, (bool, int, float, str)):
        return item
    raise WireError(f"{type(item).__name__} cannot be sent")


def decode(message):
    if len(message) > MAX_MESSAGE_BYTES or len(message) < _LENGTH.size:
        raise WireError(f"message of {len(message)} bytes")
    (header_length,) = _LENGTH.unpack_from(message)
    if header_length > MAX_HEADER_BYTES:
        raise WireError(f"header of {header_length} bytes (at most {MAX_HEADER_BYTES})")
    body_start = _LENGTH.size + header_length
    try:
        header = json.loads(message[_LENGTH.size:body_start].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError(f"unreadable header: {error}") from None
    body = _Body(message, body_start)
    value = body.rebuild(header)
    if body.offset != len(message):
        raise WireError("trailing bytes after the last array")
    return value


class _Body:
    """The arrays' bytes after the header, read in order as the header's descriptions ask."""

    def __init__(self, message, offset):
        self.message, self.offset = message, offset

    def rebuild(self, item):
        if isinstance(item, dict) and "__array__" in item:
            return self.array(item)
        if isinstance(item, dict):
            return {key: self.rebuild(entry) for key, entry in item.items()}
        if isinstance(item, list):
            return [self.rebuild(entry) for entry in item]
        return item

    def array(self, description):
        dtype, shape = description.get("dtype"), description.get("shape")
        if dtype not in DTYPES or not isinstance(shape, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise WireError(f"bad array description {description!r}")
        count = math.prod(shape)  # Python integers: a forged shape cannot overflow
        size = count * np.dtype(dtype).itemsize
        if self.offset + size > len(self.message):
            raise WireError("array bytes missing")
        array = np.frombuffer(self.message, dtype=dtype, count=count, offset=self.offset)
        self.offset += size
        return array.reshape(shape).copy()


def write_frame(stream, payload):
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream, limit=MAX_MESSAGE_BYTES):
    """One length-prefixed frame from `stream`, or None at end of stream."""
    prefix = stream.read(_LENGTH.size)
    if len(prefix) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(prefix)
    if length > limit:
        raise WireError(f"frame of {length} bytes exceeds {limit}")
    payload = stream.read(length)
    if len(payload) < length:
        return None
    return payload
