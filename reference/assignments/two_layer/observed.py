"""A forward pass as this side observes it: the reply checked, its mask read from its cache, and what
its A2 shows of each hidden activation."""
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ...core import statistics
from ...grading.parts import implementation
from .cache_masks import EXACT, hidden_activation, informative, keep_masks


@dataclass
class ForwardPass:
    """One forward pass: the values this side set (parameters, keep_prob) and computed (A1), the reply's
    A2, the readings of its cache (mask_readings) and those that reproduce A2 at `tolerance`
    (keep_masks); `problem`, why no reading could be believed ("" when one is)."""
    parameters: dict
    keep_prob: float
    A1: np.ndarray
    A2: object
    readings: list
    reproducing: list
    tolerance: tuple | None
    problem: str

    @property
    def keep(self):
        """The mask believed (bool (n_h, m)), or None."""
        return self.reproducing[0] if self.reproducing else None

    def observed(self):
        """bool (n_h, m): where this side knows whether the activation was kept: A2 shows it (informative)
        and every reading that reproduces A2 agrees on it. Nothing where no reading reproduces A2."""
        if not self.reproducing:
            return np.zeros(self.A1.shape, dtype=bool)
        shown = informative(self.A1, self.parameters, self.keep_prob, self.tolerance)
        for other in self.reproducing[1:]:
            shown &= other == self.reproducing[0]
        return shown


A2_SHAPE = "A2 must be an array of shape (1, m)"


def _forward_pass(runner, X, parameters, keep_prob, seed, context):
    """The ForwardPass of the submission's forward on X with `parameters` (NumPy's global RNG seeded by
    `seed` in the worker, as for every pass)."""
    reply = implementation(lambda: runner.call("forward", X=X, parameters=parameters, keep_prob=keep_prob,
                                               seed=seed), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("cache"), list):
        raise AssertionError(f"the forward pass did not return (A2, cache){context}")
    A2, m = reply.get("A2"), X.shape[1]
    A1 = hidden_activation(X, parameters)
    arrays = [array for array in reply["cache"] if isinstance(array, np.ndarray)]
    readings, reproducing, tolerance = keep_masks(arrays, A1, A2 if isinstance(A2, np.ndarray) else np.full(
        (1, m), np.nan), keep_prob, parameters)
    if not isinstance(A2, np.ndarray):
        problem = f"{A2_SHAPE}, the forward pass returned {type(A2).__name__}"
    elif A2.shape != (1, m):
        shown = {(m,): "(m,)", (m, 1): "(m, 1)", (): "()"}.get(A2.shape, str(A2.shape))
        problem = f"{A2_SHAPE}, the forward pass returned shape {shown}"
    elif not reproducing:
        problem = "A2 is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask D the cache holds"
    else:
        problem = ""
    return ForwardPass(parameters, keep_prob, A1, A2, readings, reproducing, tolerance, problem)


class _Tally(statistics.MaskTally):
    """A MaskTally of the hidden activations observed (ForwardPass.observed), and why the others were not:
    `problems`, {why a pass showed nothing: passes}; `faint`, activations whose keep or drop A2 does
    not show. Unobserved is never kept: it counts nowhere but in `unobserved`."""

    def __init__(self):
        super().__init__()
        self.problems = Counter()
        self.faint = self.coarse = 0

    def add_pass(self, forward):
        """Count the pass's observed activations (nothing at keep_prob = 1); -> its observed mask, or None."""
        p = 1.0 - forward.keep_prob
        if not 0.0 < p < 1.0:
            return None
        observed = forward.observed()
        missed = int(observed.size - observed.sum())
        self.unobserved += missed
        if forward.problem:
            self.problems[forward.problem] += 1
        else:
            self.faint += missed
            self.coarse += forward.tolerance != EXACT
        if forward.keep is not None:
            self.add(forward.keep[observed], p)
        return observed

    def unseen(self):
        """What kept activations from being observed, in words."""
        reasons = [f"{count} forward pass{'es' if count > 1 else ''}: {problem}"
                   for problem, count in self.problems.most_common(3)]
        if self.faint:
            reasons.append(f"{self.faint} activations whose keep or drop changes A2 too little to show")
        if self.coarse:
            reasons.append(f"{self.coarse} forward passes whose A2 matched their mask only within the assignment's "
                           f"tolerance, not to float32's precision: rounding that coarse hides which were dropped")
        return "; ".join(reasons) or "no forward pass with 0 < keep_prob < 1 was made"

    def shortfall(self):
        """None, or (too_little) what could not be observed and what to check, in this assignment's words."""
        if not self.too_little():
            return None
        seen = (f"only {self.total} hidden activations with 0 < keep_prob < 1 could be observed" if self.total
                else "no hidden activation with 0 < keep_prob < 1 could be observed")
        return (f"{seen} ({self.unseen()}), too few to show that the masks are genuine. The grader reads each "
                f"mask from the forward pass's cache and believes it only where it reproduces the forward's own "
                f"A2 = sigmoid(W2 (A1 * D / keep_prob) + b2), A1 = tanh(W1 X + b1) from the parameters it set: "
                f"check that forward_propagation_with_dropout returns A2 of shape (1, m) and a cache holding the "
                f"mask it applied")
