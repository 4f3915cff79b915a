"""Grading: the assignment's parts, the checks each part's points depend on, and the points table.

Points (ASSIGNMENT.md): Dropout forward 1.0, Dropout backward 0.5, L2 regularization 1.5. A part
earns its points only when every one of its checks passes. Each part's scenarios use only the graded
class (so a bug costs the points of its own part alone, and the submission's worker never needs
the model solution).
Comparisons use the assignment's own tolerance (tolerances.ASSIGNMENT): a solution the
assignment accepts is never failed, and every realistic bug is far outside it in the scenarios
drawn here. Checks are hypothesis properties: any correct implementation passes them however it
draws its masks, because the reference replays the masks the implementation drew.
"""
import math
import traceback
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings as Settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, HypothesisException


from . import statistics, tolerances
from .comparator import assert_close
from .equivalence import check_trace
from .notebook import NOTEBOOK_L2_LOSS, torch_l2_cell_loss_after_step
from .sandbox import InProcessRunner
from .scenario import LayerSpec, Wrap
from .strategies import DROP_PROBABILITIES, SEEDS, layer_stacks, scenarios, wrap_chains


@dataclass(frozen=True)
class Check:
    name: str
    run: object  # run(runner, settings) -> None, raises on failure (runner: see reference.sandbox)


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    graded: str  # which class the part grades: "dropout" or "l2"
    checks: tuple


@dataclass(frozen=True)
class CheckResult:
    part: str
    check: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class PartResult:
    part: Part
    results: tuple

    @property
    def passed(self):
        return sum(result.passed for result in self.results)

    @property
    def score(self):
        return self.part.points if self.passed == len(self.results) else 0.0


def for_all(strategy, settings, body):
    """Run body(example) for the examples hypothesis draws from `strategy` under `settings`.

    Never with a deadline: a worker's start-up or a slow machine must not fail a check (the
    sandbox's per-call limit is what stops a submission that takes too long)."""
    given(strategy)(Settings(settings, deadline=None)(body))()


# ---- What the parts share ---------------------------------------------------------------------

def _models_with(kind, steps):
    """Models where at least one layer has a `kind` wrapper, and no other kind: the worker running a
    submission must never need toyframe's own wrappers (the model solution)."""
    chains = wrap_chains(kinds=(kind,))  # for Dropout, p = 0 is among the drawn drop probabilities
    return scenarios(layers=lambda n_in: layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=chains, require=kind),
                     steps=steps)


def _compare(runner, graded, sections):
    def compare(scenario):
        check_trace(scenario, runner.trace(scenario, graded), sections, tolerance=tolerances.ASSIGNMENT)
    return compare


# ---- Dropout forward -----------------------------------------------------------------------------

def dropout_forward_matches_torch(runner, settings):
    """With the masks the layer drew, every Dropout output and the model's output and loss match torch."""
    for_all(_models_with("dropout", st.just(0)), settings, _compare(runner, "dropout", ("forward",)))


MASK_ELEMENTS = 100_000
# Widths as narrow as the scenarios' (1-6 units) and one wide: a scheme that is only right on
# average over wide rows (say, exactly round(p * D) drops per row) shows at D = 1, 2, 3.
MASK_WIDTHS = st.integers(1, 6) | st.just(250)


def _mask_study(runner, settings, calls, assertion):
    """Run `assertion(p, samples)` on `calls` calls' (output, keep) for drawn p, width and seed."""
    def body(example):
        p, width, seed = example
        assertion(p, runner.mask_samples(p, (MASK_ELEMENTS // width, width), calls, seed))
    # ~10 ms an example: a dozen drawn (p, width) pairs is plenty at these sample sizes.
    for_all(st.tuples(DROP_PROBABILITIES, MASK_WIDTHS, SEEDS), Settings(settings, max_examples=min(
        settings.max_examples, 12)), body)


def drop_fraction_is_p(runner, settings):
    """Across p in (0, 1), the fraction of outputs set to 0 is p (never only p = 0.5)."""
    _mask_study(runner, settings, 1, lambda p, samples: statistics.assert_drop_fraction(samples[0][1], p))


def fresh_mask_every_call(runner, settings):
    """Two calls on the same input draw independent masks."""
    _mask_study(runner, settings, 2,
                lambda p, samples: statistics.assert_fresh_masks(samples[0][1], samples[1][1], p))


def masks_independent_across_rows_and_columns(runner, settings):
    """Examples (rows) and units (columns) get independent draws: no mask shared along either axis."""
    _mask_study(runner, settings, 1,
                lambda p, samples: statistics.assert_independent_rows_and_columns(samples[0][1], p))


def inverted_scaling_preserves_mean(runner, settings):
    """Kept outputs are scaled by 1/(1-p), so the mean output equals the mean input."""
    _mask_study(runner, settings, 1, lambda p, samples: statistics.assert_mean_preserved(samples[0][0], p))


def p_zero_is_identity(runner, settings):
    """Dropout(layer, p=0) drops nothing: its output is the wrapped layer's, unchanged."""
    def stacks(n_in):
        return layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=st.just(())).map(_zero_dropout)

    def body(scenario):
        trace = runner.trace(scenario, "dropout")
        check_trace(scenario, trace, ("forward",), tolerance=tolerances.ASSIGNMENT)
        for name, keep in trace.steps[0].keep_masks.items():
            if not keep.all():
                raise AssertionError(f"{name}: {np.count_nonzero(~keep)} of {keep.size} outputs were set to 0 "
                                     f"with p = 0, where nothing may be dropped.\nScenario: {scenario.describe()}")
    for_all(scenarios(layers=stacks, steps=st.just(0)), settings, body)


def _zero_dropout(layers):
    return tuple(LayerSpec(layer.weights, layer.bias, (Wrap("dropout", 0.0),), layer.activation) for layer in layers)


# ---- Dropout backward ----------------------------------------------------------------------------

def dropout_backward_matches_torch(runner, settings):
    """Given the forward pass's masks, dL/dW, dL/db and dL/dx of every layer, and the parameters
    after each of 1-3 SGD steps, match torch."""
    for_all(_models_with("dropout", st.integers(1, 3)), settings, _compare(runner, "dropout", ("backward", "update")))


# ---- L2 regularization ---------------------------------------------------------------------------

def l2_gradient_matches_torch(runner, settings):
    """dL/dW gains 2*coefficient*W of the current weights: every gradient and update over 1-3 steps."""
    for_all(_models_with("l2", st.integers(1, 3)), settings, _compare(runner, "l2", ("backward", "update")))


def l2_loss_matches_torch(runner, settings):
    """The forward pass is the wrapped layer's, and coefficient*sum(W**2) read from the wrapper's
    `weights` follows the updated weights at every step (no stale copy)."""
    for_all(_models_with("l2", st.integers(1, 3)), settings, _compare(runner, "l2", ("forward",)))


def notebook_l2_cell(runner, settings):
    """The notebook's L2 cell: the regularized loss, then one SGD step agrees with torch (atol 1e-3)."""
    first, after = runner.notebook_l2()
    assert_close(np.asarray(first), NOTEBOOK_L2_LOSS, quantity="the notebook's regularized loss",
                 tolerance=tolerances.ASSIGNMENT)
    assert_close(np.asarray(after), torch_l2_cell_loss_after_step(),
                 quantity="the notebook's regularized loss after one SGD step (lr 0.001)", tolerance=tolerances.ASSIGNMENT)


# ---- The parts -----------------------------------------------------------------------------------

PARTS = (
    Part("Dropout forward", 1.0, "dropout", (
        Check("forward matches torch with the layer's own masks", dropout_forward_matches_torch),
        Check("fraction dropped is p", drop_fraction_is_p),
        Check("a fresh mask at every call", fresh_mask_every_call),
        Check("masks independent across rows and columns", masks_independent_across_rows_and_columns),
        Check("inverted scaling preserves the mean", inverted_scaling_preserves_mean),
        Check("p = 0 is the identity", p_zero_is_identity),
    )),
    Part("Dropout backward", 0.5, "dropout", (
        Check("gradients and SGD updates match torch", dropout_backward_matches_torch),
    )),
    Part("L2 regularization", 1.5, "l2", (
        Check("gradient and SGD updates match torch over several steps", l2_gradient_matches_torch),
        Check("regularized loss follows the weights", l2_loss_matches_torch),
        Check("the notebook's L2 cell", notebook_l2_cell),
    )),
)


def run_check(check, runner, settings):
    """-> (passed, message). Any exception the implementation raises fails the check."""
    try:
        check.run(runner, settings)
    except FlakyFailure as error:
        return False, ("the same scenario gave different results on two runs: the implementation is not "
                       "deterministic given NumPy's global seed (draw masks from np.random, not a stream of "
                       "your own seeded elsewhere).\n" + _describe_failure(error.exceptions[0]))
    except HypothesisException:
        raise  # the harness's own mistake (a health check, say): never blamed on the submission
    except Exception as error:  # noqa: BLE001 - a submission may raise anything
        return False, _describe_failure(error)
    return True, ""


def _describe_failure(error):
    if isinstance(error, AssertionError):
        text = str(error)
    else:
        frames = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
        text = f"the implementation raised {type(error).__name__}: {error}\n" + "".join(frames[-3:])
    # hypothesis's notes (falsifying example, explanation, @reproduce_failure) are for developers:
    # the comparator's message already names the scenario and a line that replays it.
    return text.strip()


def grade(runner, settings=None):
    """runner: a reference.sandbox runner (or {"dropout": class, "l2": class} of trusted classes)
    -> a PartResult per part."""
    if isinstance(runner, dict):
        runner = InProcessRunner(runner)
    settings = settings or Settings()
    results = []
    for part in PARTS:
        runner.reset()
        results.append(PartResult(part, tuple(CheckResult(part.name, check.name, *run_check(check, runner, settings))
                                              for check in part.checks)))
    return results


def format_table(part_results):
    rows = [("Part", "Checks passed", "Points")]
    for result in part_results:
        rows.append((result.part.name, f"{result.passed}/{len(result.results)}",
                     f"{result.score:.1f} / {result.part.points:.1f}"))
    total = sum(result.score for result in part_results)
    maximum = sum(result.part.points for result in part_results)
    rows.append(("Total", "", f"{total:.1f} / {maximum:.1f}"))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.insert(len(lines) - 1, lines[1])
    return "\n".join(lines)


def total_score(part_results):
    return math.fsum(result.score for result in part_results)
