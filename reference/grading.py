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
import gc
import math
import time
import traceback
import weakref
from dataclasses import dataclass

import numpy as np
from hypothesis import Phase, settings as Settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, HypothesisException

from . import mask_studies, masks, statistics, tolerances
from .comparator import assert_close
from .equivalence import check_trace, replay_code
from .notebook import NOTEBOOK_L2_LOSS, torch_l2_cell_loss_after_step
from .properties import for_all
from .sandbox import InProcessRunner
from .scenario import LayerSpec, Wrap
from .strategies import SEEDS, layer_stacks, scenarios, wrap_chains


@dataclass(frozen=True)
class Check:
    name: str
    run: object  # run(runner, settings) -> None, raises on failure (runner: see reference.sandbox)
    bounds: int = 0  # the most statistical bounds (reference.statistics) one passing run evaluates


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


# ---- What the parts share ---------------------------------------------------------------------

def _models_with(kind, steps):
    """Models where at least one layer has a `kind` wrapper, and no other kind: the worker running a
    submission must never need toyframe's own wrappers (the model solution)."""
    chains = wrap_chains(kinds=(kind,))  # for Dropout, p = 0 is among the drawn drop probabilities
    return scenarios(layers=lambda n_in: layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=chains, require=kind),
                     steps=steps)


def _implementation(call, context):
    """call() on the implementation's side (a runner's method): whatever it raises is the
    implementation's failure, reported with `context` (the scenario and its replay line)."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - a submission may raise anything
        raise AssertionError(f"{_describe_failure(error)}{context}") from None


def _compare(runner, graded, sections, observe=None):
    """A body for for_all: run a scenario on the runner's `graded` class, hand the trace to
    observe(scenario, trace) if given, and compare its `sections` with torch. Whatever the
    implementation raises fails the check with the scenario and the line that replays it."""
    def compare(scenario):
        replay = f"\nScenario: {scenario.describe()}\nReplay: " + replay_code(
            scenario, graded, sections, tolerances.ASSIGNMENT, check_dtype=False)
        trace = _implementation(lambda: runner.trace(scenario, graded), replay)
        if observe:
            observe(scenario, trace)
        check_trace(scenario, trace, sections, tolerance=tolerances.ASSIGNMENT, check_dtype=False, graded=graded)
    return compare


# ---- Dropout forward -----------------------------------------------------------------------------

def dropout_forward_matches_torch(runner, settings):
    """With the masks the layer drew, every Dropout output and the model's output and loss match torch;
    and over all of the check's scenarios the masks drop the fraction their p asks for (a layer that
    draws right masks only where the mask studies look, and not in models, fails here)."""
    tally = masks.ScenarioMasks()
    for_all(_models_with("dropout", st.just(0)), settings,
            _compare(runner, "dropout", ("forward",), observe=lambda scenario, trace: tally.add(scenario, trace, 1)))
    tally.masks.assert_fraction_dropped("over this check's scenarios, the fraction of outputs the Dropouts dropped")


# A dozen drawn (p, shape, seed) per study is plenty at these sample sizes, whatever the profile: it
# also fixes how many statistical bounds a grading run evaluates (FALSE_ALARM_BUDGET).
MASK_STUDY_EXAMPLES = 12

# The mask studies' share of the time budget. A correct layer may be slow (a Python loop calling
# np.random.choice for each element costs ~25 us an element, 100x a vectorized one): then its masks
# are drawn smaller, by a power of 2, so that all studies take about this long. Every bound holds at
# any size, and mask_studies.MIN_ELEMENTS still shows every gross bug (a p off by a percent needs the
# full size); a vectorized layer always draws them at full size, so its grade never depends on the
# machine's speed.
STUDY_SECONDS = 15.0
CALIBRATION_SHAPE = (100, 100)
MIN_SCALE = 1 / 1024  # every study at its smallest size (mask_studies.MIN_ELEMENTS, MIN_CALLS)
_study_scales = weakref.WeakKeyDictionary()


def study_scale(runner):
    """The fraction of the studies' full mask sizes the runner's Dropout is asked for (1, 1/2, 1/4, ...):
    the runner's own `study_scale` if it sets one (tests do), else the largest whose studies take
    STUDY_SECONDS at the speed one call on CALIBRATION_SHAPE shows (or the smallest, MIN_SCALE),
    measured once per runner."""
    if getattr(runner, "study_scale", None):
        return runner.study_scale
    if runner not in _study_scales:
        start = time.perf_counter()
        try:
            runner.mask_samples(0.5, CALIBRATION_SHAPE, 1, 0)
        except Exception:  # noqa: BLE001 - the studies themselves report what is wrong
            pass
        per_output = (time.perf_counter() - start) / math.prod(CALIBRATION_SHAPE)
        scale = 1.0
        while scale > MIN_SCALE and per_output * _study_outputs(scale) > STUDY_SECONDS:
            scale /= 2
        _study_scales[runner] = scale
    return _study_scales[runner]


def _study_outputs(scale):
    """How many outputs all mask studies draw at `scale`, designed examples included."""
    return sum((MASK_STUDY_EXAMPLES + len(study.designed)) * study.outputs_at(scale) for study in mask_studies.STUDIES)


def mask_study(study):
    """A check that runs `study` on the runner's Dropout for drawn p, output shape and seed."""
    def check(runner, settings):
        def body(example):
            p, shape, seed = example
            replay = f"\nReplay: {mask_studies.replay_code(study, p, shape, seed, scale)}"
            outputs, keep = _implementation(lambda: study.sample(runner.mask_samples, p, shape, seed, scale), replay)
            try:
                study.judge(p, shape, seed, outputs, keep)
            except AssertionError as error:
                raise AssertionError(f"{error}{replay}") from None
        # Not shrunk: a smaller p, shape or seed that fails too tells a student nothing more, and each
        # try is a whole study. The designed examples run first.
        scale = study_scale(runner)
        for_all(st.tuples(study.probabilities, study.shapes(scale), SEEDS),
                Settings(settings, max_examples=min(settings.max_examples, MASK_STUDY_EXAMPLES),
                         phases=[phase for phase in settings.phases if phase != Phase.shrink]), body,
                examples=study.designed_examples(scale))
    check.__doc__ = f"Mask study: {study.name}."
    return check


def p_zero_is_identity(runner, settings):
    """Dropout(layer, p=0) drops nothing: its output is the wrapped layer's, unchanged (the comparison
    of a forward pass fails wherever a Dropout with p = 0 set an output to 0)."""
    def stacks(n_in):
        return layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=st.just(())).map(_zero_dropout)
    for_all(scenarios(layers=stacks, steps=st.just(0)), settings, _compare(runner, "dropout", ("forward",)))


def _zero_dropout(layers):
    return tuple(LayerSpec(layer.weights, layer.bias, (Wrap("dropout", 0.0),), layer.activation) for layer in layers)


# ---- Dropout backward ----------------------------------------------------------------------------

def dropout_backward_matches_torch(runner, settings):
    """Given the forward pass's masks, dL/dW, dL/db and dL/dx of every layer, and the parameters
    after each of 1-3 SGD steps, match torch.

    Only genuine masks earn credit: over all of the check's scenarios, the masks of Dropouts with
    0 < p < 1 at the steps that run backward must keep some outputs and drop some (counting the
    outputs whose wrapped layer gave a value other than 0, where the forward pass shows which). A forward that
    drops everything (or nothing) makes any backward agree with torch replaying its masks; a
    correct layer does so with probability below statistics.FALSE_ALARM, which is computed
    exactly from the p and the number of outputs, and the rule applies only when it is that small."""
    tally = masks.ScenarioMasks()
    for_all(_models_with("dropout", st.integers(1, 3)), settings,
            _compare(runner, "dropout", ("backward", "update"),
                     observe=lambda scenario, trace: tally.add(scenario, trace, scenario.steps)))
    degenerate = tally.masks.degenerate()
    if degenerate:
        raise AssertionError(
            f"Dropout backward earns credit only where the forward pass draws genuine masks, and over this "
            f"check's scenarios {degenerate}. Fix the forward pass first: 'Dropout forward' says what is wrong.")


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
    context = ("\nReplay: from reference.notebook import toy_l2_cell_losses; "
               "print(toy_l2_cell_losses(L2regularization))  # (the loss, the loss after one step)")
    first, after = _implementation(runner.notebook_l2, context)
    assert_close(np.asarray(first), NOTEBOOK_L2_LOSS, quantity="the notebook's regularized loss",
                 tolerance=tolerances.ASSIGNMENT, context=context)
    assert_close(np.asarray(after), torch_l2_cell_loss_after_step(), tolerance=tolerances.ASSIGNMENT,
                 quantity="the notebook's regularized loss after one SGD step (lr 0.001)", context=context)


# ---- The parts -----------------------------------------------------------------------------------

PARTS = (
    Part("Dropout forward", 1.0, "dropout", (
        Check("forward matches torch with the layer's own masks", dropout_forward_matches_torch, bounds=1),
        *(Check(study.name, mask_study(study), study.bounds * (MASK_STUDY_EXAMPLES + len(study.designed)))
          for study in mask_studies.STUDIES),
        Check("p = 0 is the identity", p_zero_is_identity),
    )),
    Part("Dropout backward", 0.5, "dropout", (
        Check("gradients and SGD updates match torch", dropout_backward_matches_torch, bounds=2),
    )),
    Part("L2 regularization", 1.5, "l2", (
        Check("gradient and SGD updates match torch over several steps", l2_gradient_matches_torch),
        Check("regularized loss follows the weights", l2_loss_matches_torch),
        Check("the notebook's L2 cell", notebook_l2_cell),
    )),
)


# The statistical bounds one grading run evaluates at most, each with false-alarm probability
# statistics.FALSE_ALARM: their sum bounds the chance that a correct submission fails any of them.
FALSE_ALARM_BUDGET = sum(check.bounds for part in PARTS for check in part.checks)
assert FALSE_ALARM_BUDGET * statistics.FALSE_ALARM < 1e-9, FALSE_ALARM_BUDGET


def run_check(check, runner, settings):
    """-> (passed, message). Anything the implementation raises fails the check; a runner that cannot
    run anything more (grading refused, its time budget spent) fails it at once, without examples."""
    runner.begin_check()
    unavailable = runner.unavailable()
    if unavailable:
        return False, unavailable
    try:
        check.run(runner, settings)
    except FlakyFailure as error:
        # A failure hypothesis could not repeat: the layer draws other masks on a rerun (its own
        # unseeded stream), and this scenario's masks happen to hide the bug then. It stands.
        outcome = False, (_describe_failure(error.exceptions[0]) + "\nNote: this example did not fail when it "
                          "ran again: the implementation behaves differently from run to run (a random stream "
                          "of its own, say). The failure above stands; replay it a few times to see it.")
    except HypothesisException:
        raise  # the harness's own mistake (a health check, say): never blamed on the submission
    except AssertionError as error:
        outcome = False, _describe_failure(error)
    except Exception as error:  # noqa: BLE001
        # Every call into the implementation turns what it raises into an AssertionError with its
        # example (_implementation): this came from the grader's own code. Not credited (a reply
        # could provoke it on purpose), and not blamed on the student either.
        outcome = False, ("The grader failed while checking this, which is not your code's fault as far as "
                          "it can tell; please tell course staff.\n" + "".join(
                              traceback.format_exception(type(error), error, error.__traceback__, limit=-4)))
    else:
        return True, ""
    gc.collect()  # what the failure left in reference cycles goes now, not checks later
    return outcome


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
