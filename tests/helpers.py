"""What the unit-test files share: dtypes, drawn arrays, torch autograd references, comparisons.

Every numeric comparison goes through reference.comparator.assert_close, with the tolerance
policy of reference.core.tolerances for the dtype under test (or EXACT where the values must be the
very same numbers: an untouched input, the same random draw).
"""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import bounded_arrays


DTYPES = (np.float64, np.float32)
each_dtype = pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: np.dtype(dtype).name)
dtypes = st.sampled_from(DTYPES)

BATCH_SIZES = st.integers(1, 6)
WIDTHS = st.integers(1, 6)
MATRIX_SHAPES = st.tuples(BATCH_SIZES, WIDTHS)

# Not a tolerance: identity. For values that must be bit-for-bit the same numbers.
EXACT = tolerances.Tolerance(0.0, 0.0, "the very same numbers (an untouched array, the same random draw)",
                             scaled=False)


def elements(bound, dtype=np.float64):
    """Finite floats in [-bound, bound] representable in `dtype`, no subnormals."""
    return st.floats(-bound, bound, width=np.dtype(dtype).itemsize * 8, allow_subnormal=False)


def bounded(shape, bound, dtype=np.float64):
    """Arrays of `dtype` and `shape` (a tuple or a strategy of tuples), every element in [-bound, bound]."""
    if np.dtype(dtype) == np.float64:
        return bounded_arrays(shape, bound)
    return hnp.arrays(dtype, shape, elements=elements(bound, dtype))


@st.composite
def class_indices(draw, batch, n_classes):
    """int64 class indices (batch,) in [0, n_classes)."""
    return draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, n_classes - 1)))


def one_hot(classes, n_classes, dtype=np.float64):
    """classes (N,) -> one-hot rows (N, n_classes)."""
    return np.eye(n_classes, dtype=dtype)[classes]


def torch_value(fn, *arrays):
    """fn applied to float64 tensors holding `arrays`' values, as a float64 array."""
    return conventions.to_numpy(fn(*map(conventions.to_torch, arrays)))


def torch_value_and_grad(fn, *arrays, upstream=None):
    """fn applied to float64 tensors holding `arrays`' values; returns (value, [d value / d array...]).

    With `upstream` (shaped like the value), the gradients are those of sum(upstream * value),
    i.e. the vector-Jacobian product a layer's backward computes.
    """
    tensors = [conventions.to_torch(array).requires_grad_(True) for array in arrays]
    value = fn(*tensors)
    value.backward(None if upstream is None else conventions.to_torch(upstream))
    return conventions.to_numpy(value), [conventions.to_numpy(tensor.grad) for tensor in tensors]


def assert_matches(actual, expected, quantity, dtype):
    """`actual`, computed by toyframe in `dtype`, equals the float64 reference within the dtype's policy."""
    assert_close(actual, expected, quantity=quantity, tolerance=tolerances.for_dtype(dtype), dtype=dtype)


def assert_identical(actual, expected, quantity):
    """`actual` holds exactly the values of `expected`, in its dtype: e.g. an array against a copy
    taken before a call that must not write into it, or a random draw against the same draw repeated."""
    expected = np.asarray(expected)
    assert_close(actual, expected, quantity=quantity, tolerance=EXACT, dtype=expected.dtype)


def no_float_errors():
    """Overflow, division by zero or an invalid operation (NaN) raises; underflow to 0 is allowed."""
    return np.errstate(over="raise", divide="raise", invalid="raise")



PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png_of(path, figure):
    """`path` holds a PNG of `figure`'s size in pixels (at the dpi written into the file), readable back."""
    from matplotlib import image
    from PIL import Image

    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width_inches, height_inches = figure.get_size_inches()
    with Image.open(path) as png:
        dpi_x, dpi_y = png.info["dpi"]
        assert png.size == (round(width_inches * dpi_x), round(height_inches * dpi_y)), png.size
    pixels = image.imread(path)
    assert pixels.shape[:2] == (round(height_inches * dpi_y), round(width_inches * dpi_x))
    assert pixels[..., :3].std() > 0.05, f"{path} is blank"  # something was drawn
