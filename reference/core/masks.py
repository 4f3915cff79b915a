"""Which elements did a Dropout keep? Read on the trusted side, from values it computed itself.

A trace holds what a Dropout returned (`post`, a plain array: a claim like any reply). The values
it was given, the wrapped layer's output (`pre`), the trusted side computes itself: the torch
mirror, from the parameters it set and the masks it read from the layers below. An element was
kept exactly when post != 0, wherever pre is far enough from 0 that no rounding makes it 0 (the
mirror rejects scenarios with other values, as it does those near a kink). Nothing an object in
the worker records (a stored mask, what passed through it) is read.

ScenarioMasks gathers the masks of many scenarios for the statistics a check applies to them.
"""
import numpy as np

from . import statistics
from .scenario import dropout_probabilities

# Below this (float32's smallest normal number) a value may round to 0 in a layer computing in
# float32 or float16 whatever its mask: it reveals nothing.
REVEALING_MAGNITUDE = float(np.finfo(np.float32).tiny)


class UnreadableOutput(AssertionError):
    """A Dropout's output that shows no mask: not a float array of its wrapped layer's shape."""


def read_keep_mask(pre, post, name):
    """pre: (N, D) the wrapped layer's output, as the trusted side computed it; post: what the Dropout
    returned. -> bool (N, D), True where kept. Raises UnreadableOutput when post shows no mask."""
    pre = np.asarray(pre)
    if not (isinstance(post, np.ndarray) and post.dtype.kind == "f" and post.shape == pre.shape):
        shown = f"an array of shape {post.shape}" if isinstance(post, np.ndarray) else type(post).__name__
        raise UnreadableOutput(
            f"the {name} could not be read: it is {shown}, where the grader reads which outputs were kept from a "
            f"float array shaped like the wrapped layer's output {pre.shape} (return the layer's output with the "
            f"dropped elements set to 0)")
    return post != 0


def keep_masks_of_samples(outputs):
    """A mask study's outputs, any shape (its wrapped layer's values are never 0) -> bool keep masks:
    every element is revealed."""
    return np.asarray(outputs, dtype=np.float64) != 0


class ScenarioMasks:
    """The masks scenarios drew, as independent draws (one scenario per seed: scenarios with the same
    seed draw the same numbers from NumPy's global RNG), for statistics pooled over every scenario of
    a check, whatever its shape: a layer cannot keep its masks right only where a mask study looks.

    masks: a statistics.MaskTally of every output with 0 < p < 1; negative, positive: of those whose
        wrapped layer gave a negative (a positive) value: a mask that depends on the values;
    rows, columns: statistics.Agreements of disjoint pairs of elements of one mask (rows 1 and 2,
        3 and 4, ... of a column; columns 1 and 2, ... of a row): a mask shared along the batch or
        along the units agrees with itself more often than independent draws do;
    passes: Agreements of one Dropout's masks at forward passes 1 and 2, 3 and 4, ... of a scenario
        (the same input each time): a mask repeated at the next call;
    layers: Agreements of two Dropouts of the same shape at one pass (the first two of a model): masks
        shared between layers;
    counts: statistics.NearestCounts of every mask: a fixed number dropped per call;
    equal_counts: statistics.EqualCounts of one Dropout's masks at passes 1 and 2, 3 and 4, ...: a
        number dropped kept from call to call.
    Each scenario's masks count once, from the trusted side's reading (a reference trace's)."""

    def __init__(self):
        self.masks, self.negative, self.positive = (statistics.MaskTally() for _ in range(3))
        self.rows, self.columns, self.passes, self.layers = (statistics.Agreements() for _ in range(4))
        self.counts = statistics.NearestCounts()
        self.equal_counts = statistics.EqualCounts()
        self.seeds = set()

    def add(self, scenario, expected, passes=None):
        """The masks of the first `passes` forward passes (default all) of `expected`, the reference trace
        of a run of `scenario` (whose keep_masks the mirror read)."""
        if scenario.seed in self.seeds:
            return
        self.seeds.add(scenario.seed)
        probabilities = dropout_probabilities(scenario)
        records = expected.steps[:passes]
        for record in records:
            for name, keep in record.keep_masks.items():
                p = probabilities[name]
                self.masks.add(keep, p)
                self.counts.add(keep, p)
                values = record.dropout_inputs[name]
                self.negative.add(keep[values < 0], p)
                self.positive.add(keep[values > 0], p)
                self.rows.add_pairs(keep[0:len(keep) // 2 * 2:2], keep[1:len(keep) // 2 * 2:2], p)
                width = keep.shape[1] // 2 * 2
                self.columns.add_pairs(keep[:, 0:width:2], keep[:, 1:width:2], p)
        for first, second in zip(records[0::2], records[1::2]):
            for name, keep in first.keep_masks.items():
                self.passes.add_pairs(keep, second.keep_masks[name], probabilities[name])
                self.equal_counts.add_pair(keep, second.keep_masks[name], probabilities[name])
        for record in records:
            pair = [(keep, probabilities[name]) for name, keep in record.keep_masks.items()][:2]
            if len(pair) == 2 and pair[0][0].shape == pair[1][0].shape:
                self.layers.add_pairs(pair[0][0], pair[1][0], pair[0][1], pair[1][1])

    BOUNDS = 9

    def judge(self, what):
        """Every pooled statistic (BOUNDS bounds); each fails closed on too little evidence."""
        self.masks.assert_fraction_dropped(f"{what}, the fraction of outputs dropped")
        self.negative.assert_fraction_dropped(f"{what}, the fraction of outputs dropped among those whose wrapped "
                                              "layer gave a negative value")
        self.positive.assert_fraction_dropped(f"{what}, the fraction of outputs dropped among those whose wrapped "
                                              "layer gave a positive value")
        self.rows.assert_independent(f"{what}, pairs of examples (rows) of one mask, each unit")
        self.columns.assert_independent(f"{what}, pairs of units (columns) of one mask, each example")
        self.passes.assert_independent(f"{what}, one Dropout's masks at two forward passes in a row on the same "
                                       "input")
        self.layers.assert_independent(f"{what}, the masks of two Dropouts of the same shape in one model")
        self.counts.assert_binomial(f"{what}, the number of outputs dropped per call")
        self.equal_counts.assert_independent(f"{what}, the numbers of outputs one Dropout dropped at two passes "
                                             "(or steps) in a row")
