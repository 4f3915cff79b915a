"""nnti-7.4 (docs/assignments/nnti-7.4.md, seed 003): the Dropout and L2regularization wrappers of the toy framework.

A submission: DIR/layers/Dropout.py and DIR/layers/L2regularization.py (or both at DIR's top),
written against the course skeleton (`from layers import Linear` resolves to toyframe's).

Points: Dropout forward 1.0, Dropout backward 0.5, L2 regularization 1.5. Each part's scenarios use
only the graded class (so a bug costs the points of its own part alone, and the worker never needs
the model solution). Comparisons use the assignment's own tolerance (tolerances.ASSIGNMENT).
Checks are hypothesis properties: any correct implementation passes them however it draws its
masks, because the reference replays the masks the implementation drew.
"""
import sys
from dataclasses import replace

import numpy as np
from hypothesis import strategies as st

from ...core import masks, tolerances
from ...core.comparator import assert_close
from ...core.equivalence import check_trace, comparable, replay_code
from ...core.finite_differences import NUMPY_ACTIVATIONS
from ...core import mask_studies
from ...core.notebook import NOTEBOOK_L2_LOSS, torch_l2_cell_loss_after_step
from ...core.properties import for_all
from ...core.torch_mirror import expected_trace
from ...core.masks import REVEALING_MAGNITUDE, read_keep_mask
from ...core.scenario import ACTIVATIONS, LOSSES, LayerSpec, Scenario, Wrap, dropout_name, dropout_probabilities, layer_name
from ...core.strategies import (BIAS_MARGIN, away_from_zero, designed_dropout_model, designed_l2_model, layer_stacks,
                                scenarios, wrap_chains)
from ...core.trace import StepRecord, Trace
from ...grading.mask_checks import mask_study_checks
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import SubmissionFailure
from .worker import NAME, TASKS, load_submission  # noqa: F401 - the worker half, also run in process

SUBMISSION = "layers/Dropout.py and layers/L2regularization.py (or both files at the top)"


def model_solution():
    import toyframe
    return {"dropout": toyframe.Dropout, "l2": toyframe.L2regularization}


def trace(runner, scenario, graded):
    """The runner's Trace of `scenario` with its `graded` class ("dropout" or "l2"): its claims, which
    the torch mirror reads masks from and compares."""
    steps = runner.call("observe", scenario=scenario, graded=graded)
    if not isinstance(steps, list):
        raise SubmissionFailure("the worker's reply is not a list of steps")
    return Trace([StepRecord(**{section: _plain_dict(step.get(section) if isinstance(step, dict) else None, section)
                                for section in Trace.SECTIONS}) for step in steps])


def _plain_dict(value, what):
    if not isinstance(value, dict):
        raise SubmissionFailure(f"the worker's reply lacks {what!r}")
    return value


# SGD steps of a training check: 1-3, and one scenario in 16 a run of 8 or 12 steps (a penalty that stops
# after a few steps, or a bug at the k-th call of a layer, shows there). Shrinks towards 1 step.
TRAINING_STEPS = st.integers(0, 31).map(lambda k: k % 3 + 1 if k < 30 else 8 + 4 * (k - 30))
# And in every grading, one run as long as a notebook's training loop takes to show a layer that behaves
# only for its first calls (an L2 penalty that stops after 16 steps): 100 steps of L2 cost about a second,
# a Dropout model's 30 (its masks read at each) about as much.
LONG_RUN, LONG_DROPOUT_RUN = 100, 30
# Batches of a training check: up to 12, and one in four a batch as training loops use (16 to 256): a layer
# must drop at every batch size once trained, not only at the sizes a check trains at.
_SMALL_BATCHES = st.integers(1, 12)
TRAINING_BATCHES = st.one_of(_SMALL_BATCHES, _SMALL_BATCHES, _SMALL_BATCHES, st.sampled_from((16, 32, 64, 128, 256)))
# The forward check's designed runs beyond the first steps, at other batches: (index, steps, batch).
LONG_FORWARD_RUNS = ((0, 60, 64), (1, LONG_DROPOUT_RUN, 9), (0, 12, 200))


def _models_with(kind, steps, passes=st.just(1), batch=st.integers(1, 6)):
    """Models where at least one layer has a `kind` wrapper, and no other kind: the worker running a
    submission must never need toyframe's own wrappers (the model solution)."""
    chains = wrap_chains(kinds=(kind,))  # for Dropout, p = 0 is among the drawn drop probabilities
    return scenarios(layers=lambda n_in: layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=chains, require=kind),
                     steps=steps, passes=passes, batch=batch)


def _compare(runner, graded, sections, observe=None, own_scale=False):
    """A body for for_all: run a scenario on the runner's `graded` class, compare its `sections` with
    torch, and hand the reference trace (the masks read from the run, on values this side computed)
    to observe(scenario, expected) if given. Whatever the implementation raises fails the check with
    the scenario and the line that replays it."""
    def compare(scenario):
        replay = f"\nScenario: {scenario.describe()}\nReplay: " + replay_code(
            scenario, graded, sections, tolerances.ASSIGNMENT, check_dtype=False, own_scale=own_scale)
        observed = implementation(lambda: trace(runner, scenario, graded), replay)
        expected = check_trace(scenario, observed, sections, tolerance=tolerances.ASSIGNMENT, check_dtype=False,
                               graded=graded, own_scale=own_scale)
        if observe:
            observe(scenario, expected)
    return compare


def _designed_models(steps, passes, seed):
    """The two models of strategies.designed_dropout_model (two Dropout layers each, batch 32), drawn as a
    scenario's values are: run first under every profile, so that each check's pooled bounds have
    evidence enough (thousands of outputs) however few examples it draws; the drawn ones add to it."""
    return [designed_dropout_model(seed, index, steps, passes) for index in (0, 1)]


# ---- Dropout forward -----------------------------------------------------------------------------

def dropout_forward_matches_torch(runner, settings):
    """With the masks the layer drew, every Dropout output and the model's output and loss match torch:
    at each of 1-3 forward passes on the same input, or at every pass of a training run (1-3 SGD steps,
    or 8 or 12: TRAINING_STEPS; batches up to 12 and 16-256: TRAINING_BATCHES; and designed runs of
    LONG_FORWARD_RUNS, up to 60 steps), drawn as Dropout backward draws them (its masks at every step
    are read too: a layer cannot draw right masks only until it is trained, nor tell this part's
    training from the next's).
    And over all of the check's scenarios (pooled, whatever their shapes: a layer that draws right
    masks only where the mask studies look fails here) the masks drop the fraction their p asks for,
    whatever the sign of the value dropped; two examples or two units of a mask agree as independent
    draws do, and so do a layer's masks at two passes (or steps) in a row, and two layers' masks
    (masks.ScenarioMasks)."""
    tally = masks.ScenarioMasks()
    # Batches up to 12: every scenario shows enough of its masks for the pooled bounds, even in a short run.
    evaluated = _models_with("dropout", st.just(0), passes=st.integers(1, 3), batch=st.integers(1, 12))
    for_all(evaluated | _models_with("dropout", TRAINING_STEPS, batch=TRAINING_BATCHES), settings,
            _forward_example(runner, tally),
            examples=[*_designed_models(0, 8, 1), *_designed_models(3, 1, 3),
                      *[designed_dropout_model(20 + number, index, steps, batch=batch)
                        for number, (index, steps, batch) in enumerate(LONG_FORWARD_RUNS)]])
    tally.judge("over this check's scenarios")


def _forward_example(runner, tally):
    """A body for for_all: the scenario's forward passes against torch -- of a training scenario, the
    first, then each later one from the parameters the run had by then (what they are depends on the
    backward pass, Dropout backward's to judge; a layer must scale and drop right at every pass of a
    training loop, not only before its first backward call); every pass's masks into `tally`, read on
    this side."""
    def body(scenario):
        first = replace(scenario, steps=0, passes=1) if scenario.steps else scenario
        replay = f"\nScenario: {first.describe()}\nReplay: " + replay_code(
            first, "dropout", ("forward",), tolerances.ASSIGNMENT, check_dtype=False)
        observed = implementation(lambda: trace(runner, scenario, "dropout"), replay)
        compared = check_trace(first, Trace(observed.steps[:first.passes]), ("forward",),
                               tolerance=tolerances.ASSIGNMENT, check_dtype=False, graded="dropout")
        whole = expected_trace(scenario, observed) if scenario.steps else compared
        trusted = comparable(whole, scenario.dtype)
        for index, later in _later_passes(scenario, observed):
            if trusted and _forward_agrees(observed.steps[index], whole.steps[index], scenario):
                continue  # as torch's own training run has it: no need to rebuild the run's parameters
            try:
                check_trace(later(), Trace([observed.steps[index]]), ("forward",), tolerance=tolerances.ASSIGNMENT,
                            check_dtype=False, graded="dropout", reject=False)
            except AssertionError as error:
                raise AssertionError(f"At forward pass {index + 1}, after {min(index, scenario.steps)} SGD "
                                     f"step(s) of a training run (the model below holds the parameters the run "
                                     f"had then): {error}") from None
        tally.add(scenario, whole if trusted else compared)
    return body


def _forward_agrees(shown, expected, scenario):
    """Whether a pass's forward records agree with torch's (its own training run, given the masks read) within
    the assignment's tolerance, and no Dropout with p = 0 dropped anything."""
    for name, p in dropout_probabilities(scenario).items():
        keep = expected.keep_masks.get(name)
        if p == 0 and keep is not None and not keep.all():
            return False
    for name, value in expected.forward.items():
        got = shown.forward.get(name)
        if not (isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == np.shape(value)):
            return False
        if not np.all(np.abs(got.astype(np.float64) - value) <= tolerances.ASSIGNMENT.atol
                      + tolerances.ASSIGNMENT.rtol * np.abs(value)):
            return False
    return True


def _later_passes(scenario, observed):
    """(index, a function building the forward-only scenario that holds the parameters the run reports it had)
    for every forward pass of a training scenario after its first. A pass whose parameters the run reports
    malformed is left to Dropout backward, which compares every update."""
    if not scenario.steps:
        return
    parameters = [(layer.weights, layer.bias) for layer in scenario.layers]
    for index in range(1, len(observed.steps)):
        update = observed.steps[index - 1].update
        if update:
            parameters = [(update.get(f"W of {layer_name(k)}"), update.get(f"b of {layer_name(k)}"))
                          for k in range(len(scenario.layers))]
        if not all(_well_formed(value, reference) for (w, b), layer in zip(parameters, scenario.layers)
                   for value, reference in ((w, layer.weights), (b, layer.bias))):
            continue
        yield index, lambda parameters=parameters: replace(
            scenario, layers=tuple(replace(layer, weights=w, bias=b) for (w, b), layer in zip(parameters, scenario.layers)),
            steps=0, passes=1, origin=())


def _well_formed(value, reference):
    return (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == np.shape(reference)
            and bool(np.all(np.isfinite(value))))


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
    """Given the forward pass's masks and the scale it gave what it kept (the backward pass is the
    derivative of the layer's own forward: a forward that scales wrongly costs 'Dropout forward' alone),
    dL/dW, dL/db and dL/dx of every layer, and the parameters after each of 1-3 SGD steps (8 or 12 in
    one scenario in 16: TRAINING_STEPS), match torch.

    Only genuine masks earn credit: over all of the check's scenarios, the masks of Dropouts with
    0 < p < 1 at the steps that run backward (read on this side from their outputs and the values
    this side computed) must keep some outputs and drop some. A forward that drops everything (or
    nothing) makes any backward agree with torch replaying its masks; a correct layer does so with
    probability below statistics.FALSE_ALARM, computed exactly from the p and the number of outputs;
    too few outputs to reach it fail too (statistics.MaskTally.too_little)."""
    tally = masks.ScenarioMasks()
    for_all(_models_with("dropout", TRAINING_STEPS, batch=TRAINING_BATCHES), settings,
            _compare(runner, "dropout", ("backward", "update"), own_scale=True,
                     observe=lambda scenario, expected: tally.add(scenario, expected, scenario.steps)),
            examples=[*_designed_models(2, 1, 2), *_designed_models(12, 1, 4),
                      designed_dropout_model(6, 0, steps=LONG_DROPOUT_RUN)])
    degenerate = tally.masks.degenerate()
    if degenerate:
        raise AssertionError(
            f"Dropout backward earns credit only where the forward pass draws genuine masks, and over this "
            f"check's scenarios {degenerate}. Fix the forward pass first: 'Dropout forward' says what is wrong.")


# ---- L2 regularization ---------------------------------------------------------------------------

def l2_gradient_matches_torch(runner, settings):
    """dL/dW gains 2*coefficient*W of the current weights: every gradient and update over 1-3 steps (or a
    run of 8 or 12: TRAINING_STEPS)."""
    for_all(_models_with("l2", TRAINING_STEPS), settings, _compare(runner, "l2", ("backward", "update")),
            examples=[designed_l2_model(1), designed_l2_model(3, steps=LONG_RUN)])


def l2_loss_matches_torch(runner, settings):
    """The forward pass is the wrapped layer's, and coefficient*sum(W**2) read from the wrapper's
    `weights` follows the updated weights at every step (no stale copy)."""
    for_all(_models_with("l2", TRAINING_STEPS), settings, _compare(runner, "l2", ("forward",)),
            examples=[designed_l2_model(2), designed_l2_model(4, steps=LONG_RUN)])


def notebook_l2_cell(runner, settings):
    """The notebook's L2 cell: the regularized loss, then one SGD step agrees with torch (atol 1e-3)."""
    context = ("\nReplay: from reference.core.notebook_cell import toy_l2_cell_losses; "
               "print(toy_l2_cell_losses(L2regularization))  # (the loss, the loss after one step)")
    reply = implementation(lambda: runner.call("notebook_l2"), context)
    if not isinstance(reply, list) or len(reply) != 2:
        raise AssertionError(f"the notebook's L2 cell did not give two losses{context}")
    first, after = reply
    assert_close(np.asarray(first), NOTEBOOK_L2_LOSS, quantity="the notebook's regularized loss",
                 tolerance=tolerances.ASSIGNMENT, context=context)
    assert_close(np.asarray(after), torch_l2_cell_loss_after_step(), tolerance=tolerances.ASSIGNMENT,
                 quantity="the notebook's regularized loss after one SGD step (lr 0.001)", context=context)


# ---- Mask studies ---------------------------------------------------------------------------------

def study_scenario(p, shape, calls, seed, instances=1):
    """A mask study's calls as the scenario the worker runs for every check (the task "observe"): a
    Dropout(p) on a Linear whose output is `shape` (N, D), evaluated `calls` times on the same input
    (forward passes); for two instances, a second Dropout(p) of the same shape above it, past a layer
    of one unit. Values, activations, loss, targets and learning rate are drawn as a scenario's (from
    a Generator seeded from `seed`; the first layer's values never depend on p, calls or instances),
    NumPy's global RNG is seeded with `seed`: nothing marks it as a study but its size."""
    rng = np.random.default_rng((seed, 0x5EED_57D1))
    n_rows, n_cols = shape
    n_in = int(rng.integers(1, 3 if n_rows > 10_000 else 7))  # narrow when N is large: x stays small
    x = rng.uniform(-2.0, 2.0, (n_rows, n_in))

    def linear(n_in, n_out, wraps):
        weights = rng.uniform(-1.5, 1.5, (n_in, n_out)) / np.sqrt(n_in)
        bias = away_from_zero(rng.uniform(-1.0 + BIAS_MARGIN, 1.0 - BIAS_MARGIN, (1, n_out)), BIAS_MARGIN)
        return LayerSpec(weights, bias, wraps, rng.choice((None, *ACTIVATIONS)))
    layers = [linear(n_in, n_cols, (Wrap("dropout", p),))]
    if instances == 2:
        layers += [linear(n_cols, 1, ()), linear(1, n_cols, (Wrap("dropout", p),))]
    loss = str(rng.choice(LOSSES))
    targets = (rng.integers(0, n_cols, n_rows) if loss == "cross_entropy"
               else rng.uniform(-2.0, 2.0, (n_rows, n_cols)))
    return Scenario(layers=tuple(layers), x=x, loss=loss, targets=targets, lr=float(rng.uniform(0.01, 0.5)),
                    steps=0, seed=seed, passes=calls)


def study_pre_activations(shape, seed):
    """The first study layer's values (N, D): what its Dropout drops (p, calls and instances aside)."""
    scenario = study_scenario(0.5, shape, 1, seed)
    return scenario.x @ scenario.layers[0].weights + scenario.layers[0].bias


def sample_masks(runner, p, shape, calls, seed, instances=1):
    """(outputs, keep), (instances, calls, N, D), of the study's scenario run on the runner's Dropout;
    each mask read on this side from the Dropout's output and the values this side computes
    (reference.core.masks): the first layer's from the scenario, the second's through the first
    layer's own masks."""
    scenario = study_scenario(p, tuple(shape), calls, seed, instances)
    observed = trace(runner, scenario, "dropout")
    if len(observed.steps) != calls:
        raise AssertionError(f"the run recorded {len(observed.steps)} forward passes, expected {calls}")
    outputs, keep = np.empty((instances, calls, *shape)), np.empty((instances, calls, *shape), dtype=bool)
    for call, step in enumerate(observed.steps):
        h, instance = scenario.x, 0
        for index, layer in enumerate(scenario.layers):
            pre = h @ layer.weights + layer.bias
            if layer.wraps:
                name = dropout_name(index, 0)
                if np.any(np.abs(pre) < REVEALING_MAGNITUDE):  # never with a study's values: fail closed
                    raise AssertionError(f"the {name} cannot show its mask: a value it was given is 0")
                keep[instance, call] = read_keep_mask(pre, step.forward.get(name), name)
                outputs[instance, call] = step.forward[name]
                pre = np.where(keep[instance, call], pre / (1 - p), 0.0)
                instance += 1
            h = NUMPY_ACTIVATIONS[layer.activation](pre) if layer.activation else pre
    return outputs, keep


def replay_mask_study(name, dropout_class, p, shape, seed, calls=None):
    """Run the mask study called `name` on `dropout_class` in this process, as grading does: raises
    AssertionError naming what is wrong."""
    from ...grading.mask_checks import run_study
    from ...grading.in_process import InProcessRunner
    run_study(InProcessRunner({"dropout": dropout_class}, sys.modules[__name__]), name, p, shape, seed, calls,
              pre_activations=study_pre_activations, sampler=sample_masks)


def _mask_study_replay(study, p, shape, seed, scale):
    arguments = mask_studies.replay_arguments(study, p, shape, seed, scale).replace(", p=", ", Dropout, p=", 1)
    return f"from reference.assignments.nnti_7_4 import replay_mask_study; replay_mask_study({arguments})"


# ---- The parts -----------------------------------------------------------------------------------

PARTS = (
    Part("Dropout forward", 1.0, (
        Check("forward matches torch with the layer's own masks", dropout_forward_matches_torch,
              bounds=masks.ScenarioMasks.BOUNDS),
        *mask_study_checks(_mask_study_replay, pre_activations=study_pre_activations, sampler=sample_masks),
        Check("p = 0 is the identity", p_zero_is_identity),
    ), graded="dropout"),
    Part("Dropout backward", 0.5, (
        Check("gradients and SGD updates match torch", dropout_backward_matches_torch, bounds=2),
    ), graded="dropout"),
    Part("L2 regularization", 1.5, (
        Check("gradient and SGD updates match torch over several steps", l2_gradient_matches_torch),
        Check("regularized loss follows the weights", l2_loss_matches_torch),
        Check("the notebook's L2 cell", notebook_l2_cell),
    ), graded="l2"),
)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
