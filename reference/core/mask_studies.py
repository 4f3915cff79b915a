"""Dropout's mask studies: what a correct layer's masks look like over many calls, and a replay for each.

A study has an assignment's dropout draw masks (through its own sampler, on values drawn as its
scenarios' are), for a drop probability p, output shape and seed, and tests the masks with
reference.core.statistics' bounds. It sees what one scenario's masks cannot: the fraction and the
number dropped, a mask that depends on the values, masks repeated, shifted or permuted across
calls, masks shared between two layers, structure along rows, columns or any offset, and the
1/(1-p) scaling of every kept output (with p up to 0.99, where a scale slightly off shows). Any
correct mask scheme passes, whatever its random source.

Masks may not repeat over many calls either (a cycle of a few masks longer than the fresh-mask
study's window, or a mask that is a function of the inputs, repeats; so does a number dropped kept
from call to call).

Each study runs on a few designed examples (p near 0 and 1, one unit, a batch of 32, ...) and on
examples hypothesis draws.
"""
from dataclasses import dataclass
from typing import Callable

from hypothesis import strategies as st

from . import statistics, tolerances
from .comparator import assert_close

# p away from 0 and 1, where these studies have their power (a repeat of a mask at p = 0.01 changes
# its agreement with the last one by 0.02 only); the fraction study, with a million outputs, and the
# scenarios draw p in [0.01, 0.99].
PROBABILITIES = st.floats(0.05, 0.95)
WIDE_PROBABILITIES = st.floats(0.01, 0.99)

# Narrow outputs (as narrow as the scenarios', and where a unit's own fraction is measured), wide
# ones, and everything between; and batches of 7 to 128 examples (minibatches of 16, 32, 64) with
# as many units as the size asks: a scheme that goes wrong only for some shapes shows.
WIDTHS = st.integers(1, 8) | st.integers(9, 400) | st.just(2000)
BATCHES = st.integers(7, 128)
NARROW = 8  # up to this many units, each unit's fraction is tested on its own


def shapes(elements):
    """(N, D) output shapes of about `elements` elements: D drawn from WIDTHS, or N from BATCHES."""
    return (WIDTHS.map(lambda width: (max(1, elements // width), width))
            | BATCHES.map(lambda batch: (batch, max(1, elements // batch))))


# Outputs of 1 to 6 elements, many calls: the number dropped at each call must follow Binomial(n, p).
TINY_SHAPES = st.tuples(st.integers(1, 2), st.integers(1, 3))


@dataclass(frozen=True)
class MaskStudy:
    """elements: each mask's size at full scale, its shape drawn by shapes(); or None and fixed_shapes,
    a strategy of shapes whatever the scale; calls: calls per layer; instances: layers of the same
    shape called in turn (call 1 of each, then call 2 of each, ...); test(p, outputs, keep, pre)
    with outputs and keep (instances, calls, N, D) and pre the wrapped layer's values (N, D);
    bounds: the most statistical bounds one (p, shape, seed) evaluates; probabilities: the p drawn;
    designed: (p, width or None for the batch of 32) examples run before the drawn ones."""
    name: str
    elements: int | None
    calls: int
    test: Callable
    bounds: int
    instances: int = 1
    fixed_shapes: st.SearchStrategy | None = None
    probabilities: st.SearchStrategy = PROBABILITIES
    designed: tuple = ((0.05, 1), (0.5, 3), (0.95, 8), (0.3, None), (0.7, 400))

    def shapes(self, scale=1.0):
        """The output shapes drawn when masks are drawn at `scale` of their full size (never below
        MIN_ELEMENTS, where each study still sees every gross bug it is there for)."""
        if self.elements is None:
            return self.fixed_shapes
        return shapes(self._elements(scale))

    def designed_examples(self, scale=1.0, seed=0):
        """[(p, shape, seed)] of the designed examples at `scale`."""
        if self.elements is None:
            return [(p, shape, seed) for p, shape in self.designed]
        elements = self._elements(scale)
        return [(p, (32, max(1, elements // 32)) if width is None else (max(1, elements // width), width), seed)
                for p, width in self.designed]

    def _elements(self, scale):
        return max(MIN_ELEMENTS, int(self.elements * scale))

    def outputs_at(self, scale=1.0):
        """Outputs drawn for one (p, shape, seed) at `scale` (tiny shapes counted as 6 outputs)."""
        return (self._elements(scale) if self.elements else 6) * self.calls_at(scale) * self.instances

    def calls_at(self, scale=1.0):
        """Calls per layer when masks are drawn at `scale`: a study of fixed tiny shapes makes fewer
        calls instead (never below MIN_CALLS); the others always make `calls`."""
        return self.calls if self.elements is not None else max(MIN_CALLS, int(self.calls * scale))

    def sample(self, sample, p, shape, seed, scale=1.0):
        """-> (outputs, keep) from sample(p, shape, calls, seed, instances)."""
        return sample(p, tuple(shape), self.calls_at(scale), seed, self.instances)

    def judge(self, p, shape, seed, outputs, keep, pre_activations):
        """Raises AssertionError unless the masks pass the study's bounds. pre_activations(shape, seed):
        the values that were dropped (each assignment's own: its study's wrapped layer's outputs)."""
        self.test(p, outputs, keep, pre_activations(tuple(shape), seed))

    def run(self, sample, p, shape, seed, pre_activations, scale=1.0):
        self.judge(p, shape, seed, *self.sample(sample, p, shape, seed, scale), pre_activations)


def _fractions(p, outputs, keep, pre):
    mask = keep[0, 0]
    statistics.assert_drop_fraction(mask, p)
    statistics.assert_drop_fraction_whatever_the_value(mask, pre, p)
    if mask.shape[1] <= NARROW:
        statistics.assert_drop_fraction_per_unit(mask, p)


def _counts(p, outputs, keep, pre):
    statistics.assert_drop_counts_binomial(keep[0], p)
    statistics.assert_counts_of_consecutive_calls_independent(keep[0], p)


def _fresh_masks(p, outputs, keep, pre):
    masks = keep[0]
    for i, j in statistics.all_pairs(len(masks)):
        statistics.assert_no_lagged_copies(masks[i], masks[j], p, f"the masks of calls {i + 1} and {j + 1} of "
                                                                  f"{len(masks)} (one layer, the same input)")


def _never_repeated(p, outputs, keep, pre):
    masks = keep[0]
    statistics.assert_no_exact_repeats(masks, p, f"one layer's masks over {len(masks)} calls on the same input")
    statistics.assert_counts_of_consecutive_calls_independent(masks, p)


def _independent_instances(p, outputs, keep, pre):
    first, second = keep
    for i, mask in enumerate(first):
        for j, other in enumerate(second):
            statistics.assert_no_lagged_copies(mask, other, p, f"call {i + 1} of the first and call {j + 1} of "
                                                               "the second of two Dropout layers of the same shape "
                                                               "called in turn")


def _independent_elements(p, outputs, keep, pre):
    statistics.assert_no_lagged_self_copies(keep[0, 0], p, "one mask against itself, shifted")


def _scaling(p, outputs, keep, pre):
    kept = keep[0, 0]
    assert_close(outputs[0, 0][kept], pre[kept] / (1 - p), tolerance=tolerances.ASSIGNMENT,
                 quantity=f"the kept outputs with p={p:g}, each its wrapped layer's value / (1 - p)")


TINY_CALLS = 2000
MIN_CALLS = 500  # the tiny-shape study's calls at the smallest scale: a fixed count still shows
REPEAT_CALLS = 8
LONG_CALLS = 256
INSTANCE_CALLS = 4
MIN_ELEMENTS = 2000

STUDIES = (
    MaskStudy("fraction dropped is p, in every unit and whatever the value", 1_000_000, 1, _fractions,
              bounds=1 + len(statistics.VALUE_BINS) + NARROW, probabilities=WIDE_PROBABILITIES,
              designed=((0.01, 1), (0.99, 3), (0.5, 8), (0.333, None), (0.75, 2000))),
    MaskStudy("the number dropped per call follows Binomial(n, p)", None, TINY_CALLS, _counts, bounds=7 + 2,
              fixed_shapes=TINY_SHAPES, designed=((0.3, (1, 1)), (0.5, (1, 2)), (0.5, (2, 3)), (0.9, (1, 3)))),
    MaskStudy("a fresh mask at every call, never a repeat or a shifted copy", 20_000, REPEAT_CALLS, _fresh_masks,
              bounds=REPEAT_CALLS * (REPEAT_CALLS - 1) // 2),
    MaskStudy(f"no mask repeats over {LONG_CALLS} calls, nor does the number dropped", 2048, LONG_CALLS, _never_repeated,
              bounds=1 + 2),
    MaskStudy("two Dropout layers draw independent masks", 20_000, INSTANCE_CALLS, _independent_instances,
              bounds=INSTANCE_CALLS ** 2, instances=2),
    MaskStudy("masks independent across rows, columns and any offset", 100_000, 1, _independent_elements, bounds=1),
    MaskStudy("every kept output is scaled by 1/(1-p)", 100_000, 1, _scaling, bounds=0,
              probabilities=WIDE_PROBABILITIES, designed=((0.01, 1), (0.5, 3), (0.9, 8), (0.99, None), (0.7, 400))),
)
BY_NAME = {study.name: study for study in STUDIES}


def replay_arguments(study, p, shape, seed, scale=1.0):
    """The arguments of a replay of one example of `study`, as grading ran it at `scale`."""
    calls = study.calls_at(scale)
    return (f"{study.name!r}, p={p!r}, shape={tuple(shape)!r}, seed={seed!r}"
            f"{'' if calls == study.calls else f', calls={calls}'}")
