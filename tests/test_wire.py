"""The one format replies cross in: plain values and exact arrays back, nothing else, and no garbage left."""
import gc
import json
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.sandbox import wire

ARRAYS = hnp.arrays(st.sampled_from(wire.DTYPES), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))


@given(st.recursive(ARRAYS | st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=8))
def test_a_message_decodes_to_what_was_encoded(value):
    def same(a, b):
        if isinstance(a, np.ndarray):
            return type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
                a, b, equal_nan=a.dtype.kind == "f")
        if isinstance(a, (list, tuple)):
            return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
        return a == b
    assert same(value, wire.decode(wire.encode(value)))


def test_encoding_and_decoding_leave_no_reference_cycles():
    """A cycle holding a reply's arrays lives until the garbage collector runs: over hundreds of
    calls that was hundreds of MB on both sides."""
    message = {"steps": [{"forward": {"output": np.ones((300, 300))}}] * 3}
    gc.collect()
    gc.disable()
    try:
        wire.decode(wire.encode(message))
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("value, complaint", [
    (np.array(["a"]), "dtype <U1 cannot be sent"),
    (np.array([1 + 2j]), "dtype complex128 cannot be sent"),
    (object(), "object cannot be sent"),
])
def test_only_plain_values_and_whitelisted_arrays_are_sent(value, complaint):
    with pytest.raises(wire.WireError, match=complaint):
        wire.encode({"value": value})


def _forged(header, body=b""):
    encoded = json.dumps(header).encode()
    return struct.pack(">Q", len(encoded)) + encoded + body


@pytest.mark.parametrize("message, complaint", [
    (_forged({"__array__": 0, "dtype": "float64", "shape": [2 ** 40, 2 ** 40]}), "array bytes missing"),
    (_forged({"__array__": 0, "dtype": "float64", "shape": [-1]}), "bad array description"),
    (_forged({"__array__": 0, "dtype": "object", "shape": [1]}, bytes(8)), "bad array description"),
    (_forged([1], b"trailing"), "trailing bytes"),
    (struct.pack(">Q", 99) + b"{", "unreadable header"),
])
def test_a_forged_message_is_refused(message, complaint):
    with pytest.raises(wire.WireError, match=complaint):
        wire.decode(message)
