"""The one format that crosses from an untrusted worker to the trusted side: JSON and raw array bytes.

Nothing the worker sends is unpickled or executed. A message is a JSON header (plain values,
with each array replaced by {"__array__": index, "dtype": ..., "shape": [...]}) followed by the
arrays' raw bytes. Decoding accepts only the dtypes below and rebuilds exact numpy.ndarrays.
"""
import json
import struct

import numpy as np

DTYPES = ("float64", "float32", "bool", "int64")
MAX_MESSAGE_BYTES = 64 * 2**20
_LENGTH = struct.Struct(">Q")


class WireError(ValueError):
    """A message that is malformed, too large, or holds something other than plain values and arrays."""


def encode(value):
    arrays = []

    def plain(item):
        if isinstance(item, (np.ndarray, np.generic)):
            array = np.asarray(item)
            if array.dtype.name not in DTYPES:
                raise WireError(f"arrays of dtype {array.dtype} cannot be sent (allowed: {DTYPES})")
            arrays.append(np.ascontiguousarray(array))
            return {"__array__": len(arrays) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}
        if isinstance(item, dict):
            return {str(key): plain(entry) for key, entry in item.items()}
        if isinstance(item, (list, tuple)):
            return [plain(entry) for entry in item]
        if item is None or isinstance(item, (bool, int, float, str)):
            return item
        raise WireError(f"{type(item).__name__} cannot be sent")

    header = json.dumps(plain(value)).encode()
    return _LENGTH.pack(len(header)) + header + b"".join(array.tobytes() for array in arrays)


def decode(message):
    if len(message) > MAX_MESSAGE_BYTES or len(message) < _LENGTH.size:
        raise WireError(f"message of {len(message)} bytes")
    (header_length,) = _LENGTH.unpack_from(message)
    body_start = _LENGTH.size + header_length
    try:
        header = json.loads(message[_LENGTH.size:body_start].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError(f"unreadable header: {error}") from None
    offset, arrays = body_start, {}

    def rebuild(item):
        nonlocal offset
        if isinstance(item, dict) and "__array__" in item:
            dtype, shape = item.get("dtype"), item.get("shape")
            if dtype not in DTYPES or not isinstance(shape, list) or not all(
                    isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
                raise WireError(f"bad array description {item!r}")
            size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
            if offset + size > len(message):
                raise WireError("array bytes missing")
            array = np.frombuffer(message, dtype=dtype, count=size // np.dtype(dtype).itemsize, offset=offset)
            offset += size
            return array.reshape(shape).copy()
        if isinstance(item, dict):
            return {key: rebuild(entry) for key, entry in item.items()}
        if isinstance(item, list):
            return [rebuild(entry) for entry in item]
        return item

    value = rebuild(header)
    if offset != len(message):
        raise WireError("trailing bytes after the last array")
    return value


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
