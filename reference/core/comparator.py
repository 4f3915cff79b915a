"""Comparator: an implementation's Trace against the reference's, under the tolerance policy.

The first quantity that differs, in the order the computation made them, is reported with
torch.testing.assert_close's account (mismatched elements, greatest absolute and relative
difference and their index), the tolerance, the scenario in words and a line that replays it.
"""
import numpy as np
import torch

from . import tolerances
from .scenario import dropout_probabilities
from .trace import Trace


def assert_close(actual, expected, *, quantity, tolerance, dtype=None, context=""):
    """Raise AssertionError naming `quantity` unless `actual` is an array like `expected`, within `tolerance`.

    actual: what the implementation produced; expected: the reference (float64);
    dtype: the dtype `actual` must have, or None to accept any floating dtype.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        raise AssertionError(f"{quantity} was not produced (got None).{context}")
    if not isinstance(actual, (np.ndarray, np.generic)):
        raise AssertionError(f"{quantity} must be a NumPy array, got {type(actual).__name__}.{context}")
    actual = np.asarray(actual)
    if actual.dtype.kind != "f":
        raise AssertionError(f"{quantity} must hold floating-point numbers, got dtype {actual.dtype}.{context}")
    if dtype is not None and actual.dtype != np.dtype(dtype):
        raise AssertionError(
            f"{quantity} has dtype {actual.dtype}, expected {np.dtype(dtype)} (the dtype is kept end to end).{context}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{quantity} has shape {actual.shape}, expected {expected.shape}.{context}")
    atol = tolerance.atol_for(expected)

    def message(account):
        return (f"{quantity} differs from the PyTorch reference.\n{account}\n{_side_by_side(actual, expected, tolerance, atol)}"
                f"Tolerance: {tolerance}; here atol = {atol:.3g}.{context}")

    torch.testing.assert_close(torch.from_numpy(actual.astype(np.float64)), torch.from_numpy(expected),
                               rtol=tolerance.rtol, atol=atol, msg=message)


SHOWN = 3  # mismatched elements shown side by side


def _side_by_side(actual, expected, tolerance, atol):
    """The first mismatched elements, yours beside the reference with their ratio, and the median ratio
    over all mismatched elements (0.5x or 2x suggests a missing scale, -1x a flipped sign)."""
    actual = actual.astype(np.float64)
    with np.errstate(invalid="ignore"):
        wrong = ~(np.abs(actual - expected) <= atol + tolerance.rtol * np.abs(expected))
    where = np.argwhere(wrong)
    if not len(where):
        return ""
    lines = []
    for index in where[:SHOWN]:
        index = tuple(int(i) for i in index)
        yours, reference = actual[index], expected[index]
        ratio = f"  ({yours / reference:.4g}x)" if reference != 0 and np.isfinite(yours) else ""
        lines.append(f"  at {index if len(index) != 1 else index[0]}: yours {yours:.6g}, reference {reference:.6g}{ratio}")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = actual[wrong] / expected[wrong]
    ratios = ratios[np.isfinite(ratios)]
    median = f"; median ratio yours / reference {np.median(ratios):.4g}x" if ratios.size else ""
    count = f"{len(where)} element differs" if len(where) == 1 else f"{len(where)} elements differ"
    return f"Side by side ({count}{median}):\n" + "\n".join(lines) + "\n"


def _step_label(step_index, steps, passes=1):
    if step_index < steps:
        return f" at step {step_index + 1} of {steps}"
    after = " after the last SGD step" if steps else ""
    return after if passes == 1 else f" at forward pass {step_index - steps + 1} of {passes}{after}"


def _assert_nothing_dropped_at_p_zero(step, scenario, label, context):
    """A Dropout with p = 0 is the identity: the reference replays the masks a layer drew (the keep
    masks of `step`, a reference trace's), so this is where a p = 0 layer that drops is caught."""
    for name, p in dropout_probabilities(scenario).items():
        keep = step.keep_masks.get(name)
        if p == 0 and keep is not None and not keep.all():
            raise AssertionError(f"{name}{label}: {np.count_nonzero(~keep)} of {keep.size} outputs were set to 0 "
                                 f"with p = 0, where nothing may be dropped.{context}")


def assert_traces_close(actual, expected, scenario, sections=Trace.SECTIONS, tolerance=None, check_dtype=True,
                        replay=None):
    """Compare two traces of `scenario`, section by section ('forward', 'backward', 'update').

    replay: the Python line that reruns this comparison, for the message (default: toyframe's classes)."""
    tolerance = tolerance or tolerances.for_dtype(scenario.dtype)
    context = f"\nScenario: {scenario.describe()}\nReplay: {replay or f'reference.replay({scenario!r})'}"
    if len(actual.steps) != len(expected.steps):
        raise AssertionError(f"the run recorded {len(actual.steps)} steps, expected {len(expected.steps)}.{context}")
    for step_index, (got, want) in enumerate(zip(actual.steps, expected.steps)):
        label = _step_label(step_index, scenario.steps, scenario.passes)
        if "forward" in sections:
            _assert_nothing_dropped_at_p_zero(want, scenario, label, context)
        raised = got.backward.get("raised")
        if raised is not None and ("backward" in sections or "update" in sections):
            raise AssertionError(f"the backward pass{label} raised {raised}{context}")
        for section in sections:
            for name, expected_value in getattr(want, section).items():
                assert_close(getattr(got, section).get(name), expected_value, quantity=f"{name}{label}",
                             tolerance=tolerance, dtype=scenario.dtype if check_dtype else None, context=context)
