"""Argument validation shared by toyframe's classes.

Every message names the argument, the value received and the values allowed,
so a notebook user sees at once which call is wrong.
"""
import math
import numbers

import numpy as np


def probability(name, value):
    """A drop probability: a real number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, 1), got {value!r}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def keep_probability(name, value):
    """A keep probability (cs231n's dropout p): a real number in (0, 1]; 1 keeps everything."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < value <= 1.0:
        raise ValueError(f"{name} is the keep probability and must be in (0, 1], got {value!r}")
    return float(value)


def non_negative(name, value):
    """A finite real number >= 0 (a penalty coefficient that may be 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite real number >= 0, got {value!r}")
    return float(value)


def positive(name, value):
    """A strictly positive, finite real number (a penalty coefficient)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number > 0, got {value!r}")
    value = float(value)
    if not (value > 0.0 and math.isfinite(value)):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def finite_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def float_array(name, value, ndim=None):
    """`value` as a floating-point ndarray (integers are promoted to float64)."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    if array.dtype.kind != "f":
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


def same_shape(name, value, expected_shape, what):
    if value.shape != tuple(expected_shape):
        raise ValueError(f"{name} must have shape {tuple(expected_shape)} ({what}), got {value.shape}")


def generator(name, value):
    """None (use NumPy's global RNG, like the course skeleton) or a numpy.random.Generator."""
    if value is not None and not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be None or a numpy.random.Generator, got {type(value).__name__}")
    return value
