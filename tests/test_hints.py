"""The likely bug, named (reference.grading.hints): a failed check of a known bug's submission names that
bug; a bug the catalogue does not know gets no hint; a kit without the catalogue gives none."""
import sys

import numpy as np
import pytest
from hypothesis import settings

from reference import assignments
from reference.catalogues import known_bugs, wrong_dropouts, wrong_l2
from reference.grading.hints import Hints, Recording, _close
from reference.grading.parts import grade
from reference.sandbox.runners import SubmissionRunner
from reference.grading.in_process import InProcessRunner
from tests.catalogue import correct, cs231n_dropout, forget_submission_modules, two_layer

@pytest.fixture(autouse=True)
def _modules_left_as_found():
    before = forget_submission_modules()
    yield
    forget_submission_modules()
    sys.modules.update(before)


def _hints_of(results):
    """Each check's likely cause, as its feedback's line reads."""
    return {f"Likely cause: {check.hint}" for result in results for check in result.results if check.hint}


@pytest.fixture(autouse=True)
def _hint_time_for_a_loaded_machine(monkeypatch):
    """Which bug a hint names is what these tests prove; its time budget is a benchmark's (hint_accuracy):
    on a machine busy with other tests a replay may take far longer than grading allows it."""
    from reference.grading import hints
    monkeypatch.setattr(hints, "HINT_SECONDS", 60.0)
    monkeypatch.setattr(hints, "TOTAL_HINT_SECONDS", 240.0)


def _grade(assignment, implementation, parts=None, bugs=None):
    """The parts named (default all) of `assignment` on `implementation`, with hints."""
    module = assignments.get(assignment)
    runner = InProcessRunner(implementation, module, study_scale=1 / 256)
    graded = [part for part in module.PARTS if parts is None or part.name in parts]
    return grade(runner, graded, settings(max_examples=10, derandomize=True, database=None), Hints(module, bugs))


def test_every_known_bug_has_a_description_and_parts_of_its_assignment():
    for name in assignments.MODULES:
        module = assignments.get(name)
        bugs = known_bugs(module)
        parts = {part.name for part in module.PARTS}
        assert len(bugs) >= 13 and len({bug.name for bug in bugs}) == len(bugs)
        assert all(bug.description and "\n" not in bug.description and bug.parts <= parts for bug in bugs)
        assert not any(bug.name.startswith("hostile") for bug in bugs)  # attacks never run on the trusted side


NNTI_SAMPLE = [wrong_dropouts.MaskMissingInBackward, wrong_dropouts.IgnoresP, wrong_dropouts.CyclesFourMasks,
               wrong_l2.MissingFactorTwo, wrong_l2.WrongSign, wrong_l2.PenaltyComputedThenDiscarded]


@pytest.mark.slow
@pytest.mark.parametrize("cls", NNTI_SAMPLE, ids=lambda cls: cls.__name__)
def test_an_nnti_known_bug_is_named(cls):
    kind = "dropout" if cls in wrong_dropouts.CAUGHT_BY else "l2"
    implementation = {"dropout": correct.DropoutRandGreater, "l2": correct.L2UsesAlias, kind: cls}
    parts = {"Dropout backward"} if cls is wrong_dropouts.MaskMissingInBackward else None
    hints = _hints_of(_grade("nnti-7.4", implementation, parts))
    description = cls.__doc__.strip().splitlines()[0]
    assert hints and all(description in hint for hint in hints), hints


FILE_SAMPLE = [("two-layer", name) for name in ("mask_discarded_in_backward", "no_inverse_scaling",
                                                "keep_drop_swapped", "reseeded_inside_forward")] + [
    ("cs231n-dropout", name) for name in ("backward_ignores_mask", "keep_prob_as_drop_prob", "red_inline_no_rescale")]


@pytest.mark.parametrize("assignment, name", [pytest.param(*case, marks=() if case[1] == "backward_ignores_mask" else
                                                           pytest.mark.slow) for case in FILE_SAMPLE])
def test_a_file_based_known_bug_is_named(assignment, name, tmp_path):
    catalogue = {"two-layer": two_layer, "cs231n-dropout": cs231n_dropout}[assignment]
    entry = next(entry for entry in catalogue.WRONG if entry.name == name)
    module = assignments.get(assignment)
    hints = _hints_of(_grade(assignment, module.load_submission(str(entry.write(tmp_path)))))
    assert hints and all(entry.bug in hint for hint in hints), hints


def test_an_unknown_bug_fails_without_a_hint(tmp_path):
    """Kept activations scaled by 1 / keep_prob ** 2: a bug no catalogue entry has."""
    entry = next(entry for entry in two_layer.CORRECT if entry.name == "correct_tuple_cache_binomial")
    text = entry.files["two_layer_net.py"]
    assert text.count("/ keep_prob") >= 1
    (tmp_path / "two_layer_net.py").write_text(text.replace("/ keep_prob", "/ keep_prob ** 2"))
    module = assignments.get("two-layer")
    results = _grade("two-layer", module.load_submission(str(tmp_path)), {"Forward with dropout"})
    assert sum(result.score for result in results) == 0.0
    assert not _hints_of(results)


class _Failure(AssertionError):
    failing_example = object()  # never replayed: there is nothing to replay it with


def test_without_a_catalogue_no_hint_is_given():
    """A student kit has no reference/catalogues: no known bug, no hint, nothing run."""
    hints = Hints(assignments.get("nnti-7.4"), known_bugs=())
    assert hints.likely_cause(_Failure(), recording=None, part="Dropout forward") == ""
    from reference.grading import hints as hints_module
    assert hints.seconds_left == hints_module.TOTAL_HINT_SECONDS  # (as the fixture sets it)


def test_a_failure_without_an_example_gets_no_hint():
    """A check that failed outside for_all (the notebook's fixed cells, say) has no example to replay."""
    hints = Hints(assignments.get("nnti-7.4"))
    assert hints.likely_cause(AssertionError("differs"), recording=None, part="Dropout forward") == ""


@pytest.mark.slow
def test_a_correct_submission_is_never_given_a_hint():
    results = _grade("nnti-7.4", {"dropout": correct.DropoutRandGreater, "l2": correct.L2UsesAlias})
    assert sum(result.score for result in results) == 3.0 and not _hints_of(results)


@pytest.mark.parametrize("a, b, same", [
    ({"A2": np.ones(3), "cache": [np.zeros(2)]}, {"A2": np.ones(3) + 1e-4, "cache": [1, 2, 3]}, True),
    ({"A2": np.ones(3)}, {"A2": np.ones(3) * 1.01}, False),
    ({"A2": np.ones(3)}, {"A2": np.ones(4)}, False),
    ({"A2": np.ones(3)}, {"B": np.ones(3)}, False),
    ([np.array([np.nan, 1.0])], [np.array([np.nan, 1.0])], True),
    ([np.array([True, False])], [np.array([1.0, 0.0])], False),
    (2.0, 2.0005, True),
    ("text", "text", True),
    (None, 0.0, False),
])
def test_replies_are_compared_at_the_assignment_tolerance_state_aside(a, b, same):
    assert _close(a, b) is same


def test_a_recording_passes_calls_through_and_logs_them_only_when_asked():
    calls = []

    class Target:
        study_scale = 0.5

        def call(self, task, **args):
            calls.append(task)
            if task == "boom":
                raise RuntimeError
            return args

    recording = Recording(Target())
    assert recording.call("a", x=1) == {"x": 1} and recording.log is None
    recording.log = []
    recording.call("b", y=2)
    with pytest.raises(RuntimeError):
        recording.call("boom")
    assert calls == ["a", "b", "boom"] and [task for task, _ in recording.log] == ["b", "boom"]
    assert recording.study_scale == 0.5


@pytest.mark.slow
def test_the_hint_comes_through_the_worker_and_into_the_message(tmp_path):
    entry = next(entry for entry in two_layer.WRONG if entry.name == "mask_discarded_in_backward")
    module = assignments.get("two-layer")
    runner = SubmissionRunner(entry.write(tmp_path), assignment=module, study_scale=1 / 256)
    try:
        results = grade(runner, module.PARTS, settings(max_examples=10, derandomize=True, database=None),
                        Hints(module))
    finally:
        runner.close()
    assert _hints_of(results) == {f"Likely cause: {entry.bug}"}


def test_a_hint_deadline_that_falls_in_a_finalizer_still_stops_the_replay_and_leaves_nothing_unraisable():
    """Python cannot raise from a finalizer or a gc callback (hypothesis has one): the alarm is swallowed
    there, not reported as the check's error, and goes off again until the block stops."""
    import sys
    import time

    from reference.grading import hints

    class SlowToDie:
        def __del__(self):
            time.sleep(0.2)  # the deadline passes in here

    reported = []
    previous = sys.unraisablehook
    sys.unraisablehook = reported.append
    try:
        with pytest.raises(hints.HintTimeout):
            with hints.guarded(time.monotonic() + 0.05):
                SlowToDie()
                for _ in range(200):
                    time.sleep(0.01)
    finally:
        sys.unraisablehook = previous
    assert not reported
