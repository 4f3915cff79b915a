"""The grader against the catalogues of whole submissions (tests/catalogue/cs231n_dropout.py,
tests/catalogue/two_layer.py): every wrong one loses exactly the parts its bug must cost, every
correct one earns full marks, in both file layouts and whatever its style.

In this process (the assignment's own load_submission, a trusted catalogue), derandomized, two drawn
examples per check after the designed ones, the mask studies at their smallest: each wrong
submission fails a check in each part it must lose (a sample in the default tier, all with --slow);
a sample of correct ones earns everything. Slow tier (--slow): besides, every submission graded in
full through the worker (SubmissionRunner, walls up), exactly the parts of its `loses` scoring 0 and
every other part its points.
"""


import hypothesis
import pytest
from hypothesis import Phase
from hypothesis import settings as Settings

from reference import assignments
from reference.grading.parts import grade, run_check
from reference.sandbox.runners import SubmissionRunner
from reference.grading.in_process import InProcessRunner
from reference.sandbox.limits import Limits
from tests.catalogue import cs231n_dropout, forget_submission_modules, whole_submission_catalogues

CATALOGUES = whole_submission_catalogues()
EVERY = [(name, submission) for name, catalogue in CATALOGUES.items() for submission in catalogue]
WRONG = [(name, submission) for name, submission in EVERY if submission.loses]
CORRECT = [(name, submission) for name, submission in EVERY if not submission.loses]
SMALLEST_STUDIES = 1 / 256
# The default tier's sample: a wrong submission for each part of each assignment, and two correct ones
# whose masks are the hardest to read; the slow tier grades every one.
QUICK_WRONG = {"keep_prob_as_drop_prob", "backward_ignores_mask", "reg_without_half", "red_inline_no_rescale",
               "mask_per_hidden_unit", "mask_discarded_in_backward", "cost_penalty_lambd_over_m",
               "update_sign_flipped", "cost_clipped_a2", "init_ignores_weight_scale"}
QUICK_CORRECT = {"cs231n_layout_dropout_sandwich", "correct_post_dropout_activation_only"}


def _ids(pairs):
    return [f"{name}:{submission.name}" for name, submission in pairs]


def _settings(max_examples=None):
    """The current profile's settings, derandomized, no database, no shrinking (a verdict is all we need)."""
    settings = Settings(hypothesis.settings(), phases=[Phase.explicit, Phase.reuse, Phase.generate],
                        derandomize=True, database=None)
    return settings if max_examples is None else Settings(settings, max_examples=max_examples)


@pytest.fixture(autouse=True)
def _modules_left_as_found():
    """Loading a submission here registers its modules (layers, fc_net, cs231n.*, two_layer_net): gone after."""
    yield
    forget_submission_modules()


def _in_process(name, submission, tmp_path):
    assignment = assignments.get(name)
    return assignment, InProcessRunner(assignment.load_submission(str(submission.write(tmp_path))), assignment,
                                       study_scale=SMALLEST_STUDIES)


def _lost(results):
    return {result.part.name for result in results if result.score < result.part.points}


def _failures(results):
    return "\n".join(f"  [{result.part.name}] {check.check}: {check.message[:800]}"
                     for result in results for check in result.results if not check.passed)


def test_catalogue_sizes_and_parts():
    for name, catalogue in CATALOGUES.items():
        parts = {part.name for part in assignments.get(name).PARTS}
        wrong = [submission for submission in catalogue if submission.loses]
        assert len(wrong) >= 12 and len(catalogue) - len(wrong) >= 6, name
        assert len({submission.name for submission in catalogue}) == len(catalogue), name
        for submission in catalogue:
            assert submission.loses <= parts, (name, submission.name)
            assert bool(submission.bug) == bool(submission.loses) and "\n" not in submission.bug, submission.name


# ---- Default tier -----------------------------------------------------------------------------------

@pytest.mark.quick
@pytest.mark.parametrize("name, submission", WRONG, ids=_ids(WRONG))
def test_wrong_submission_fails_a_check_in_each_part_it_must_lose(name, submission, tmp_path, request):
    if submission.name.startswith("hostile_"):
        pytest.skip("a hostile submission runs in a worker only: here it would patch the grader's own modules")
    if submission.name not in QUICK_WRONG and not request.config.getoption("--slow"):
        pytest.skip("slower tier: run with --slow")
    assignment, runner = _in_process(name, submission, tmp_path)
    settings = _settings(max_examples=2)
    for part in assignment.PARTS:
        if part.name in submission.loses:
            assert any(not run_check(check, runner, settings)[0] for check in part.checks), (
                f"{submission.name} ({submission.bug}) keeps {part.name!r}")


@pytest.mark.quick
@pytest.mark.parametrize("name, submission", [pair for pair in CORRECT if pair[1].name in QUICK_CORRECT],
                         ids=_ids([pair for pair in CORRECT if pair[1].name in QUICK_CORRECT]))
def test_correct_submission_earns_every_point_quick(name, submission, tmp_path):
    assignment, runner = _in_process(name, submission, tmp_path)
    results = grade(runner, assignment.PARTS, _settings(max_examples=3))
    assert not _lost(results), f"correct {submission.name} loses points:\n{_failures(results)}"


# ---- Slow tier: through the worker ------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name, submission", EVERY, ids=_ids(EVERY))
def test_submission_graded_through_the_worker_loses_exactly_its_parts(name, submission, tmp_path):
    assignment = assignments.get(name)
    runner = SubmissionRunner(submission.write(tmp_path), Limits(), assignment=assignment)
    try:
        results = grade(runner, assignment.PARTS, _settings())
    finally:
        runner.close()
    assert _lost(results) == set(submission.loses), (
        f"{submission.name} ({submission.bug or 'correct'}) should lose {sorted(submission.loses)}, lost "
        f"{sorted(_lost(results))}:\n{_failures(results)}")


def test_the_notebooks_initial_losses_come_back_through_the_worker(tmp_path):
    """cs231n's cell (seed 231 for X and y, the nets for keep 1, 0.75, 0.5 built in turn with seed 123),
    run on a submission with the canonical mask, rand < p, in the worker: its three printed losses."""
    assignment = assignments.get("cs231n-dropout")
    canonical = next(entry for entry in cs231n_dropout.CATALOGUE if entry.name == "flat_canonical")
    runner = SubmissionRunner(canonical.write(tmp_path), Limits(), assignment=assignment)
    try:
        losses = runner.call("notebook_losses")
    finally:
        runner.close()
    assert losses == pytest.approx(list(assignment.NOTEBOOK_LOSSES), rel=1e-12, abs=0)
