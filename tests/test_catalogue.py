"""The grader against a catalogue of student submissions (tests/catalogue): every wrong one loses exactly
the points its bug must cost, every correct one earns every point it is graded on.

Grading goes through nnti-7.4's PARTS (reference.assignments.nnti_7_4) and run_check with the current hypothesis profile,
shrinking disabled (a failing example needs no minimal form here, only the verdict).

Default tier (every other class; all with --slow): each wrong class fails the checks its catalogue
names (CAUGHT_BY, one in each part it must lose); each correct class earns every part it is graded on
with at most 3 drawn examples per check; the mask studies draw their smallest masks (as for the
slowest correct layer).
Slow tier (--slow): every wrong class graded in full on its parts, asserting that exactly the parts of
its CAUGHT_BY checks score 0 and the others keep their points; every correct class at the profile's
strength, the studies at full size.
"""
import hypothesis
import numpy as np
import pytest
from hypothesis import Phase
from hypothesis import settings as Settings

import reference
from reference.core import tolerances
from reference.assignments.nnti_7_4 import PARTS
from reference.grading.parts import CheckResult, PartResult, run_check
from reference.grading.in_process import InProcessRunner
from reference.core.scenario import LayerSpec, Scenario, Wrap
from reference.catalogues import wrong_dropouts, wrong_l2
from tests.catalogue import correct

CAUGHT_BY = {**wrong_dropouts.CAUGHT_BY, **wrong_l2.CAUGHT_BY}
CHECKS = {check.name: (part, check) for part in PARTS for check in part.checks}
WRONG = {cls: {CHECKS[name][0].name for name in names} for cls, names in CAUGHT_BY.items()}  # the parts lost
KIND = {**{cls: "dropout" for cls in wrong_dropouts.CATALOGUE + correct.CORRECT_DROPOUTS},
        **{cls: "l2" for cls in wrong_l2.CATALOGUE + correct.CORRECT_L2}}


def test_catalogue_sizes():
    assert len(wrong_dropouts.CATALOGUE) >= 32 and len(wrong_l2.CATALOGUE) >= 13
    assert len(correct.CORRECT_DROPOUTS) >= 16 and len(correct.CORRECT_L2) >= 8
    # Every class is in exactly one list and has its one-line docstring; a wrong one names checks of its
    # own kind, one per part.
    everything = wrong_dropouts.CATALOGUE + wrong_l2.CATALOGUE + correct.CATALOGUE
    assert len(set(everything)) == len(everything)
    for cls in everything:
        assert cls.__doc__ and len(cls.__doc__.strip().splitlines()) == 1, cls.__name__
    for cls, names in CAUGHT_BY.items():
        parts = [CHECKS[name][0] for name in names]
        assert parts and len(set(parts)) == len(parts) and {part.graded for part in parts} == {KIND[cls]}, cls


def _settings(max_examples=None):
    """The current profile's settings, derandomized (a verdict must not depend on the run: under `dev` too)
    and without shrinking; optionally fewer examples."""
    settings = Settings(hypothesis.settings(), phases=[Phase.explicit, Phase.reuse, Phase.generate],
                        derandomize=True, database=None)
    if max_examples is not None:
        settings = Settings(settings, max_examples=min(settings.max_examples, max_examples))
    return settings


# The default tier draws the mask studies' masks at their smallest (mask_studies.MIN_ELEMENTS), as
# for the slowest correct layer, proving that every bug is still seen there; but for a bias of a
# percent in p, which only full-size studies (a vectorized layer's) measure.
SMALLEST_STUDIES = 1 / 256
FULL_SIZE_ONLY = {wrong_dropouts.PercentResolution}


def _grade_part(part, cls, settings, study_scale=None):
    """-> PartResult of `cls` on `part`."""
    runner = InProcessRunner({part.graded: cls}, study_scale=study_scale)
    return PartResult(part, tuple(CheckResult(part.name, check.name, *run_check(check, runner, settings))
                                  for check in part.checks))


def _parts(kind):
    return [part for part in PARTS if part.graded == kind]


def _failures(part_result, full=False):
    lines = []
    for result in part_result.results:
        if not result.passed:
            message = result.message if full else (result.message.splitlines() or [""])[0]
            lines.append(f"  [{result.part}] {result.check}: {message}")
    return "\n".join(lines)


def _ids(classes):
    return [cls.__name__ for cls in classes]


# ---- Default tier ----------------------------------------------------------------------------------

# The default tier's sample: every other wrong class (all of them with --slow, as CI runs it).
QUICK_WRONG = set(list(CAUGHT_BY)[::3])


@pytest.mark.quick
@pytest.mark.parametrize("cls", list(CAUGHT_BY), ids=_ids(CAUGHT_BY))
def test_wrong_class_fails_the_checks_that_catch_its_bug(cls, request):
    if cls not in QUICK_WRONG and not request.config.getoption("--slow"):
        pytest.skip("slower tier: run with --slow")
    settings = _settings()
    runner = InProcessRunner({KIND[cls]: cls}, study_scale=None if cls in FULL_SIZE_ONLY else SMALLEST_STUDIES)
    for name in CAUGHT_BY[cls]:
        passed, _ = run_check(CHECKS[name][1], runner, settings)
        assert not passed, f"{cls.__name__} ({cls.__doc__}) passes {name!r}"


# The default tier's sample: every other correct class of each kind (the slow tier grades them all in full).
QUICK_CORRECT = [cls for cls in correct.CATALOGUE if cls not in correct.SLOW][::2]


@pytest.mark.quick
@pytest.mark.parametrize("cls", QUICK_CORRECT, ids=_ids(QUICK_CORRECT))
def test_correct_earns_every_point_quick(cls):
    settings = _settings(max_examples=3)
    for part in _parts(KIND[cls]):
        result = _grade_part(part, cls, settings, study_scale=SMALLEST_STUDIES)
        assert result.score == part.points, (
            f"correct {cls.__name__} ({cls.__doc__}) loses {part.name!r}:\n{_failures(result, full=True)}")


# ---- Slow tier -------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("cls", list(CAUGHT_BY), ids=_ids(CAUGHT_BY))
def test_wrong_class_loses_exactly_its_parts(cls):
    """Graded in full: exactly the expected parts score 0, every other part of its kind keeps its points."""
    settings = _settings()
    expected = WRONG[cls]
    for part in _parts(KIND[cls]):
        result = _grade_part(part, cls, settings)
        if part.name in expected:
            assert result.score == 0.0, f"{cls.__name__} ({cls.__doc__}) keeps the points of {part.name!r}"
        else:
            assert result.score == part.points, (
                f"{cls.__name__} ({cls.__doc__}) was expected to keep {part.name!r} but loses it:\n"
                f"{_failures(result)}")


@pytest.mark.slow
@pytest.mark.parametrize("cls", correct.CATALOGUE, ids=_ids(correct.CATALOGUE))
def test_correct_earns_every_point(cls):
    settings = _settings()
    for part in _parts(KIND[cls]):
        result = _grade_part(part, cls, settings)
        assert result.score == part.points, (
            f"correct {cls.__name__} ({cls.__doc__}) loses {part.name!r}:\n{_failures(result, full=True)}")


# ---- A regression: a layer whose output is 0 everywhere ---------------------------------------------

_ALL_ZERO_PRE_ACTIVATION = Scenario(
    layers=(LayerSpec(weights=np.zeros((1, 3)), bias=np.zeros((1, 3)), wraps=(Wrap("dropout", 0.0),)),),
    x=np.array([[-0.0419932868817281]]), loss="cross_entropy", targets=np.array([[1.0, 0.0, 0.0]]),
    lr=0.01, steps=1, dtype="float64", seed=0)


def test_a_scenario_whose_dropout_input_is_zero_is_never_compared():
    """Where a Dropout's input is 0 its output shows no mask (dropped or kept, it is 0), and the grader
    believes no mask a layer stores: such a scenario is rejected, never compared with a guessed mask
    (the strategies keep biases away from 0, so that drawn scenarios never are)."""
    with pytest.raises(ValueError, match="cannot be compared"):
        reference.replay(_ALL_ZERO_PRE_ACTIVATION, {"dropout": correct.DropoutStoresDropMask},
                         tolerance=tolerances.ASSIGNMENT)


# ---- Regressions: correct code that the harness once failed ---------------------------------------

_DROPOUT_ON_THE_LAST_LAYER = Scenario(
    layers=(LayerSpec(weights=np.array([[0.5, -1.0], [1.5, 0.25]]), bias=np.array([[0.5, -0.5]]),
                      wraps=(Wrap("dropout", 0.5),)),),
    x=np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 1.0]]), loss="weighted_sum",
    targets=np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 2.0]]), lr=0.1, steps=3, dtype="float64", seed=4)


@pytest.mark.parametrize("cls", [correct.DropoutInPlaceGradient, correct.DropoutNamesItsLayerLinear,
                                 correct.DropoutReusesGradientBuffer], ids=lambda cls: cls.__name__)
def test_a_dropout_on_the_last_layer_trains_like_torch_however_it_treats_its_arguments(cls):
    """The weighted-sum loss's gradient is its targets: a Dropout that multiplies its in_gradient in place
    once rewrote the scenario's targets; one that names its layer self.linear once kept its bias untrained
    (the Model found the Linear by following `.layer`)."""
    reference.replay(_DROPOUT_ON_THE_LAST_LAYER, {"dropout": cls}, tolerance=tolerances.ASSIGNMENT)
