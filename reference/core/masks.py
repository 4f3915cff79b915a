"""Which elements did a Dropout keep? Read from what it did, not from how it says it did it.

Implementations store `self.mask` in many forms (a keep mask, a drop mask, bool, 0/1, scaled
by 1/(1-p)) or not at all. What is certain is what passed through the layer:
- forward: where the wrapped layer's output `pre` is not 0 (nor so small that a layer computing
  in float32 or float16 rounds it to 0), an element was kept exactly when the Dropout's output
  `post` != 0;
- backward: where the gradient arriving from above is not 0 (nor that small), an element was kept
  exactly when the gradient the Dropout handed down to the wrapped layer is != 0.
Elements neither pass reveals can only be read from a stored mask that fits the rest in exactly
one reading (keep or drop mask); failing that they count as kept.

ScenarioMasks gathers the masks of many scenarios for the statistics a check applies to them.
"""
import numpy as np

from . import statistics
from .scenario import dropout_probabilities


def _as_float_array(value, shape):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array if array.shape == shape else None


# A value smaller than this (float32's smallest normal number) may round to 0 when a correct layer
# computes in float32: it reveals nothing. (The reference rejects scenarios where a Dropout's input
# holds such a value, as it does those near a kink: neither pass may show its mask.)
REVEALING_MAGNITUDE = float(np.finfo(np.float32).tiny)


def reveals(values):
    """Where a value passing through a Dropout is large enough to show whether it was kept."""
    return np.abs(values) >= REVEALING_MAGNITUDE


def infer_keep_mask(pre, post, stored_mask, upstream=None, passed_down=None):
    """pre, post: (N, D) forward in/out; upstream, passed_down: (N, D) backward in/out or None.

    Returns bool (N, D), True where the element was kept.
    """
    pre = np.asarray(pre, dtype=np.float64)
    keep = np.ones(pre.shape, dtype=bool)
    known = np.zeros(pre.shape, dtype=bool)
    post = _as_float_array(post, pre.shape)
    if post is not None:
        known = reveals(pre)
        keep[known] = post[known] != 0
    upstream, passed_down = _as_float_array(upstream, pre.shape), _as_float_array(passed_down, pre.shape)
    if upstream is not None and passed_down is not None:
        revealed = reveals(upstream) & ~known
        keep[revealed] = passed_down[revealed] != 0
        known |= revealed
    consistent = [candidate for candidate in _stored_candidates(stored_mask, pre.shape)
                  if np.array_equal(candidate[known], keep[known])]
    # Both readings of the stored mask fit only when nothing was observed: then it decides nothing.
    return consistent[0] if len(consistent) == 1 else keep


def _stored_candidates(stored_mask, shape):
    if not isinstance(stored_mask, np.ndarray) or stored_mask.shape != shape:
        return ()
    if stored_mask.dtype.kind not in "biuf":
        return ()
    kept = np.asarray(stored_mask != 0)
    return kept, ~kept


def attach_keep_masks(trace):
    """Fill every step's keep_masks from its Dropouts' raw observations; returns the trace."""
    for record in trace.steps:
        for name, seen in record.observations.items():
            record.keep_masks[name] = infer_keep_mask(seen["pre"], seen["post"], seen.get("stored"),
                                                      seen.get("upstream"), seen.get("passed_down"))
    return trace


def keep_masks_of_samples(outputs):
    """A mask study's outputs, any shape (its wrapped layer's values are never 0) -> bool keep masks:
    every element is revealed."""
    return np.asarray(outputs, dtype=np.float64) != 0


class ScenarioMasks:
    """The masks scenarios drew, as a statistics.MaskTally of independent draws: one scenario per seed
    (scenarios with the same seed draw the same numbers from NumPy's global RNG), and only outputs
    whose wrapped layer's value shows whether they were kept (which does not depend on the mask)."""

    def __init__(self):
        self.masks = statistics.MaskTally()
        self.seeds = set()

    def add(self, scenario, trace, steps):
        """The masks of the first `steps` forward passes of `trace`, a run of `scenario`."""
        if scenario.seed in self.seeds:
            return
        self.seeds.add(scenario.seed)
        probabilities = dropout_probabilities(scenario)
        for record in trace.steps[:steps]:
            for name, keep in record.keep_masks.items():
                revealed = reveals(np.asarray(record.observations[name]["pre"], dtype=np.float64))
                self.masks.add(keep[revealed], probabilities[name])
