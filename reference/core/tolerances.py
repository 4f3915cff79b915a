"""The tolerance policy: one place, one tolerance per dtype, never looser than the assignment.

Every comparison is elementwise |actual - expected| <= atol_eff + rtol * |expected|. For the
per-dtype policies atol_eff = atol * max(1, max |expected|): rounding errors scale with the size
of the terms summed, not with the size of one (possibly cancelled) result.

The assignment's own tolerances (rtol 5e-3 for the notebook's printed loss, atol 1e-3 for the
loss after one SGD step) are the floor: no check anywhere is looser than they are.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    why: str
    scaled: bool = True  # atol multiplied by max(1, max|expected|)

    def atol_for(self, expected):
        """The absolute tolerance for these expected values."""
        expected = np.asarray(expected, dtype=np.float64)
        scale = float(np.max(np.abs(expected))) if expected.size and self.scaled else 0.0
        return self.atol * max(1.0, scale)

    def __str__(self):
        atol = f"atol {self.atol:g}" + (" x max(1, max|expected|)" if self.scaled else "")
        return f"rtol {self.rtol:g}, {atol} ({self.why})"


# Student submissions are graded at exactly this: a solution the assignment accepts is never
# failed for computing in another order or precision, and every realistic bug is an error of
# several percent or more in the scenarios drawn.
ASSIGNMENT = Tolerance(5e-3, 1e-3, "the assignment's own tolerances, the grading floor", scaled=False)

FLOAT64 = Tolerance(
    1e-9, 1e-11,
    "float64 against float64: the worst error measured over 1500 drawn scenarios was 8e-15 of the "
    "quantity's scale; this leaves 1000x room for summation order and exposes any formula slip")

FLOAT32 = Tolerance(
    2e-4, 2e-5,
    "float32 against a float64 reference: float32 rounds at 6e-8 per operation; the worst error "
    "measured over 1500 drawn scenarios was 3e-6 of the quantity's scale")

FINITE_DIFFERENCE = Tolerance(
    1e-5, 1e-7,
    "central differences in float64 with h = 1e-6: truncation ~h^2 |f'''| plus rounding "
    "~1e-16 |f| / h, on smooth activations only")

REPRODUCED_DIAGNOSTIC = Tolerance(
    1e-6, 0.0,
    "a tiny number a notebook printed (a relative error of ~1e-11, say), recomputed from the same "
    "seeds: purely relative, since any absolute tolerance would swallow it whole", scaled=False)

_BY_DTYPE = {np.dtype(np.float64): FLOAT64, np.dtype(np.float32): FLOAT32}

# Kinks: where a scenario passes this close to a point where the derivative jumps (ReLU or
# LeakyReLU at 0; |W| at 0 under L1; a max pool's window whose two largest values tie), relative to max(1, max|values|), rounding alone decides
# the branch, so its gradients are not comparable in that dtype: such scenarios are rejected
# (hypothesis.assume), never compared loosely. float32 rounding of a pre-activation after a few
# layers and steps is ~1e-6 relative; float64's ~1e-14.
KINK_MARGIN = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}

for _tolerance in (*_BY_DTYPE.values(), FINITE_DIFFERENCE, REPRODUCED_DIAGNOSTIC):
    assert _tolerance.rtol <= ASSIGNMENT.rtol and _tolerance.atol <= ASSIGNMENT.atol, _tolerance


# A scenario whose reference values grow past this has diverged (SGD blew up): its numbers say
# nothing about correctness and float32 cannot follow it, so it is rejected too.
MAGNITUDE_LIMIT = 1e4


def kink_margin(dtype):
    return KINK_MARGIN[np.dtype(dtype)]


def for_dtype(dtype):
    """The tolerance for results computed in `dtype` (float32 or float64)."""
    try:
        return _BY_DTYPE[np.dtype(dtype)]
    except KeyError:
        raise ValueError(f"dtype must be float32 or float64, got {dtype}") from None
