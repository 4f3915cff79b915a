"""Dropout's mask studies: what a correct layer's masks look like over many calls, and a replay for each.

A study calls a Dropout class on a pre-activation of ones (so every element it keeps is visible in
its output) for a drawn drop probability p, output shape and seed, and tests the masks with
reference.statistics' bounds. It sees what one scenario's masks cannot: the fraction and the
number dropped, masks repeated across calls, masks shared between two layers, masks shared along
rows or columns, the 1/(1-p) scaling. Any correct mask scheme passes, whatever its random source.
"""
from dataclasses import dataclass
from typing import Callable

from hypothesis import strategies as st

from . import statistics
from .runner import sample_masks

# Wide outputs measure fractions to +/- 0.02 and less; narrow ones (1-6 units, as narrow as the
# scenarios') catch schemes that work per row or per column.
WIDTHS = st.integers(1, 6) | st.just(250)


def shapes(elements):
    """(N, D) output shapes of about `elements` elements, D drawn from WIDTHS."""
    return WIDTHS.map(lambda width: (max(1, elements // width), width))


# Outputs of 1 to 6 elements, many calls: the number dropped at each call must follow Binomial(n, p).
TINY_SHAPES = st.tuples(st.integers(1, 2), st.integers(1, 3))


@dataclass(frozen=True)
class MaskStudy:
    """calls: calls per layer; instances: layers of the same shape called in turn (call 1 of each,
    then call 2 of each, ...); test(p, outputs, keep) with outputs and keep (instances, calls, N, D);
    bounds: the most statistical bounds one (p, shape, seed) evaluates."""
    name: str
    shapes: st.SearchStrategy
    calls: int
    test: Callable
    bounds: int
    instances: int = 1

    def run(self, sample, p, shape, seed):
        """sample(p, shape, calls, seed, instances) -> (outputs, keep), from any runner."""
        outputs, keep = sample(p, tuple(shape), self.calls, seed, self.instances)
        self.test(p, outputs, keep)


def _call_pairs(study_calls):
    return lambda i, j: f"calls {i + 1} and {j + 1} of {study_calls} (one layer, the same input)"


def _fresh_masks(p, outputs, keep):
    masks = keep[0]
    statistics.assert_pairs_independent(masks, p, statistics.all_pairs(len(masks)), _call_pairs(len(masks)))


def _independent_instances(p, outputs, keep):
    first, second = keep
    calls = len(first)
    masks = [*first, *second]
    pairs = [(i, calls + j) for i in range(calls) for j in range(calls)]
    statistics.assert_pairs_independent(
        masks, p, pairs, lambda i, j: f"call {i + 1} of the first and call {j - calls + 1} of the second of two "
                                      "Dropout layers of the same shape called in turn")


TINY_CALLS = 2000
REPEAT_CALLS = 8
INSTANCE_CALLS = 4

STUDIES = (
    MaskStudy("fraction dropped is p", shapes(100_000), 1,
              lambda p, outputs, keep: statistics.assert_drop_fraction(keep[0, 0], p), bounds=1),
    MaskStudy("the number dropped per call follows Binomial(n, p)", TINY_SHAPES, TINY_CALLS,
              lambda p, outputs, keep: statistics.assert_drop_counts_binomial(keep[0], p), bounds=7),
    MaskStudy("a fresh mask at every call, never a repeat", shapes(20_000), REPEAT_CALLS, _fresh_masks,
              bounds=REPEAT_CALLS * (REPEAT_CALLS - 1) // 2),
    MaskStudy("two Dropout layers draw independent masks", shapes(20_000), INSTANCE_CALLS, _independent_instances,
              bounds=INSTANCE_CALLS ** 2, instances=2),
    MaskStudy("masks independent across rows and columns", shapes(100_000), 1,
              lambda p, outputs, keep: statistics.assert_independent_rows_and_columns(keep[0, 0], p), bounds=2),
    MaskStudy("inverted scaling preserves the mean", shapes(100_000), 1,
              lambda p, outputs, keep: statistics.assert_mean_preserved(outputs[0, 0], p), bounds=1),
)
BY_NAME = {study.name: study for study in STUDIES}


def replay_mask_study(name, dropout_class, p, shape, seed):
    """Run the study called `name` on `dropout_class` in this process; raises AssertionError as grading does."""
    BY_NAME[name].run(lambda *args: sample_masks(dropout_class, *args), p, shape, seed)


def replay_code(study, p, shape, seed):
    """Python that reruns one example of `study` with the student's Dropout class."""
    return (f"from reference.mask_studies import replay_mask_study; "
            f"replay_mask_study({study.name!r}, Dropout, p={p!r}, shape={tuple(shape)!r}, seed={seed!r})")
