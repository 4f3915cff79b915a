"""What a student reads when a check fails: one minimal failing example, what differs, and a replay line
that runs the student's own class and fails the same way."""
import hypothesis
import pytest
from hypothesis import settings as Settings

from reference.core import mask_studies
from reference.core import properties
from reference.assignments.nnti_7_4 import PARTS
from reference.grading.parts import run_check
from reference.grading.in_process import InProcessRunner
from reference.core.scenario import WRAPPERS
from reference.catalogues import wrong_dropouts, wrong_l2

CHECKS = {check.name: (part, check) for part in PARTS for check in part.checks}


@pytest.fixture(autouse=True)
def quick_shrinking(monkeypatch):
    """The messages' form does not depend on how small the example got: half a second of shrinking will do."""
    monkeypatch.setattr(properties, "SHRINK_SECONDS", 0.5)


class RaisesOnSingleExamplesElseUnscaled(wrong_dropouts.NoRescaling):
    """Two distinct bugs for hypothesis to find: an exception on batches of one, wrong values otherwise."""

    def __call__(self, x):
        if len(x) == 1:
            raise ValueError("batches of one are not supported")
        return super().__call__(x)


FAILURES = [
    (wrong_dropouts.NoRescaling, "forward matches torch with the layer's own masks"),
    (RaisesOnSingleExamplesElseUnscaled, "forward matches torch with the layer's own masks"),
    (wrong_dropouts.KeepDropSwapped, "p = 0 is the identity"),
    (wrong_dropouts.FixedCountPerCall, "the number dropped per call follows Binomial(n, p)"),
    (wrong_dropouts.CyclesFourMasks, "a fresh mask at every call, never a repeat or a shifted copy"),
    (wrong_dropouts.SeededGeneratorPerInstance, "two Dropout layers draw independent masks"),
    (wrong_dropouts.MaskMissingInBackward, "gradients and SGD updates match torch"),
    (wrong_l2.MissingFactorTwo, "gradient and SGD updates match torch over several steps"),
    (wrong_l2.InitialWeightsCopy, "regularized loss follows the weights"),
]


def _failure(cls, check_name, settings):
    part, check = CHECKS[check_name]
    passed, message = run_check(check, InProcessRunner({part.graded: cls}), settings)
    assert not passed, f"{cls.__name__} passes {check_name!r}"
    return part, message


@pytest.mark.parametrize("cls, check_name", FAILURES, ids=[f"{cls.__name__}: {name}" for cls, name in FAILURES])
def test_a_failed_check_shows_one_example_and_a_replay_that_fails_the_same_way(cls, check_name):
    part, message = _failure(cls, check_name, Settings(hypothesis.settings(), max_examples=10, derandomize=True,
                                                       database=None))
    for noise in ("ExceptionGroup", "distinct failures", "reproduce_failure", "Falsifying", "Traceback (most"):
        assert noise not in message, message
    assert message.count("Replay: ") == 1, message
    line = message.split("Replay: ")[1].splitlines()[0]
    # The student's session: their class imported under the assignment's name, the line pasted.
    with pytest.raises(Exception) as replayed:
        exec(line, {WRAPPERS[part.graded]: cls})
    first_line = message.splitlines()[0]
    assert str(replayed.value).splitlines()[0] in (first_line, first_line.removeprefix(
        "the implementation raised ValueError: ")), (message, str(replayed.value))


@pytest.mark.parametrize("cls, what", [(wrong_dropouts.DropsEverything, "dropped all"),
                                       (wrong_dropouts.ScalesWithoutDropping, "kept all")])
def test_backward_through_a_degenerate_mask_earns_nothing_and_says_fix_the_forward_first(cls, what):
    _, message = _failure(cls, "gradients and SGD updates match torch",
                          Settings(hypothesis.settings(), derandomize=True, database=None))
    assert "earns credit only where the forward pass draws genuine masks" in message, message
    assert what in message and "Fix the forward pass first" in message


def test_an_error_in_the_graders_own_code_fails_the_check_without_blaming_the_student(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a bug in the grader")
    monkeypatch.setattr(mask_studies.statistics, "assert_no_lagged_self_copies", broken)
    passed, message = run_check(CHECKS["masks independent across rows, columns and any offset"][1],
                                InProcessRunner({"dropout": wrong_dropouts.NoRescaling}), hypothesis.settings())
    assert not passed
    assert message.startswith("The grader failed while checking this") and "TypeError: a bug in the grader" in message
    assert "the implementation raised" not in message


def test_overlong_feedback_keeps_the_ends_of_an_overlong_line_and_the_likely_cause_whole():
    from reference.grading.parts import CheckResult, Part, PartResult
    from reference.grading.plugin import FEEDBACK_CHARACTERS, shortened
    from reference.grading.results import results_json
    replay = "Replay: replay(" + "0.125, " * 3000 + ")"
    message = f"grads['W1'] differs\n{replay}"
    short = shortened(message)
    assert len(short) <= FEEDBACK_CHARACTERS and "characters cut" in short and short.split("\n")[1].endswith("0.125, )")
    many = shortened("x\n" * 5000)
    assert len(many) <= FEEDBACK_CHARACTERS and many.endswith("(the rest is cut)")
    assert shortened("short") == "short"
    # the likely cause is data of its own: whatever the message's length, it reaches the student whole
    check = CheckResult("Dropout backward", "gradients", False, many, "the mask is not applied in backward")
    output = results_json([PartResult(Part("Dropout backward", 0.5, ()), (check,))], 1.0,
                          assignment="nnti-7.4")["tests"][0]["output"]
    assert output.endswith("**Likely cause:** the mask is not applied in backward")


def test_a_designed_scenario_replays_as_the_call_that_builds_it():
    from dataclasses import replace

    import numpy as np

    import reference
    from reference.core.strategies import designed_dropout_model
    model = replace(designed_dropout_model(3, 1, steps=2), steps=0, passes=4)
    code = repr(model)
    assert code == "designed_dropout_model(seed=3, index=1, steps=0, passes=4)"
    rebuilt = eval(code, vars(reference) | {"designed_dropout_model": reference.designed_dropout_model})
    assert np.array_equal(rebuilt.x, model.x) and rebuilt.passes == 4
    assert repr(replace(model, lr=0.2)).startswith("Scenario(")  # no longer what the call builds: spelled out
