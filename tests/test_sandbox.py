"""Grading a submission in its locked-down worker: fair to correct code, nothing to gain for hostile code.

The trusted process (references, comparisons, points) never imports the submission; it runs in
reference.sandbox.worker behind reference.sandbox.runners, and only plain arrays come back.
"""
import sys
import time

import pytest
from hypothesis import Phase
from hypothesis import settings as Settings

from reference import assignments
from reference.assignments import nnti_7_4
from reference.assignments.nnti_7_4 import PARTS
from reference.grading.parts import grade, total_score
from reference.sandbox.runners import SubmissionRunner
from reference.sandbox.limits import Limits
from tests.submissions import CORRECT_DROPOUT, CORRECT_L2, as_submission_file, write_submission
from tests.catalogue import correct
from tests.submissions.hostile import HOARDS_MEMORY_THEN_CORRECT, HOSTILE_DROPOUTS

FAST = Settings(Settings(), max_examples=min(Settings().max_examples, 10),
                phases=[Phase.explicit, Phase.reuse, Phase.generate])
# Hostile submissions that hang are stopped after 3 s; correct ones get the grading limit (20 s), so
# that a worker starting on a busy machine is never mistaken for a hang. Both: the grading's memory limit.
TEST_LIMITS = Limits(call_seconds=3.0)
FAIR_LIMITS = Limits()
SMALLEST_STUDIES = 1 / 256  # the mask studies' smallest masks: what is tested here is the worker


# These break the worker for every part (no module at all; toyframe's own Dropout, which L2's nested
# scenarios use, patched): they can only lose their L2 points too, never gain any.
SABOTAGES_ITS_OWN_WORKER = {"sys.exit(0) at import", "monkeypatches comparisons and host classes",
                            "re-exports the model solution", "reads the model solution from disk",
                            "finds the model solution in memory"}


def _grade(directory, limits=TEST_LIMITS, settings=FAST):
    runner = SubmissionRunner(directory, limits, study_scale=SMALLEST_STUDIES)
    try:
        return grade(runner, PARTS, settings)
    finally:
        runner.close()


def _scores(results):
    return {result.part.name: result.score for result in results}


@pytest.mark.slow
@pytest.mark.parametrize("nested", [True, False], ids=["layers/ folder", "files at the top"])
def test_a_correct_submission_earns_full_marks_through_the_worker_and_is_never_imported_here(tmp_path, nested):
    results = _grade(write_submission(tmp_path, nested=nested), FAIR_LIMITS)
    assert total_score(results) == 3.0, [r.message for part in results for r in part.results if not r.passed]
    assert not any(name in sys.modules for name in ("layers", "layers.Dropout", "layers.L2regularization"))


@pytest.mark.slow
@pytest.mark.parametrize("behaviour", sorted(HOSTILE_DROPOUTS))
def test_hostile_submission_earns_nothing_for_what_it_cheats(tmp_path, behaviour):
    results_file = tmp_path / "results.json"
    results_file.write_text("trusted")
    directory = write_submission(tmp_path / "submission", dropout=HOSTILE_DROPOUTS[behaviour])
    start = time.monotonic()
    scores = _scores(_grade(directory))
    elapsed = time.monotonic() - start
    assert scores["Dropout forward"] == 0.0 and scores["Dropout backward"] == 0.0, scores
    if behaviour not in SABOTAGES_ITS_OWN_WORKER:
        assert scores["L2 regularization"] == 1.5, scores
    assert results_file.read_text() == "trusted"
    assert elapsed < 60, f"grading took {elapsed:.0f} s"


@pytest.mark.slow
def test_an_l2_file_that_exits_at_import_costs_every_part(tmp_path):
    """Both classes come from one worker: a submission that cannot be imported earns nothing."""
    scores = _scores(_grade(write_submission(tmp_path, l2="import os\nos._exit(0)\n" + CORRECT_L2)))
    assert scores == {part.name: 0.0 for part in PARTS}


def _failure_messages(results, part_name):
    return "\n".join(r.message for part in results if part.part.name == part_name for r in part.results)


@pytest.mark.slow
def test_no_network_in_the_worker(tmp_path):
    uses_network = CORRECT_DROPOUT.replace(
        "        out = self.layer(x)\n",
        "        import socket\n        socket.create_connection(('127.0.0.1', 9), timeout=1)\n        out = self.layer(x)\n")
    results = _grade(write_submission(tmp_path, dropout=uses_network))
    assert _scores(results)["Dropout forward"] == 0.0
    assert "not allowed while grading: socket" in _failure_messages(results, "Dropout forward")


def test_stdin_is_closed_so_reading_it_cannot_hang(tmp_path):
    reads_stdin = CORRECT_DROPOUT.replace("        out = self.layer(x)\n",
                                          "        import sys\n        sys.stdin.read()\n        out = self.layer(x)\n")
    runner = SubmissionRunner(write_submission(tmp_path, dropout=reads_stdin), FAIR_LIMITS)
    try:
        outputs, keep = nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=2, seed=0)
    finally:
        runner.close()
    assert outputs.shape == keep.shape == (1, 2, 4, 3)


FAIR_PAIRS = list(zip(correct.CORRECT_DROPOUTS, correct.CORRECT_L2 * 2))


@pytest.mark.slow
@pytest.mark.parametrize("dropout, l2", FAIR_PAIRS, ids=[f"{d.__name__}+{l.__name__}" for d, l in FAIR_PAIRS])
def test_every_correct_variant_earns_full_marks_through_the_worker(tmp_path, dropout, l2):
    """However the mask is drawn (rand > p, binomial, np.where, a drop mask, its own Generator, float32)."""
    directory = write_submission(tmp_path, dropout=as_submission_file(dropout, "Dropout"),
                                 l2=as_submission_file(l2, "L2regularization"))
    results = _grade(directory, FAIR_LIMITS)
    assert total_score(results) == 3.0, [r.message for part in results for r in part.results if not r.passed]


@pytest.mark.slow
def test_a_correct_submission_that_first_takes_all_the_memory_it_may_still_earns_full_marks(tmp_path):
    """The worker's default limit leaves a correct submission room: this one allocates and touches
    memory until the limit stops it, keeps all but a margin, and still earns every point (what it
    holds is what the box must hold beside the grader: benchmarks/grading_budget.py)."""
    results = _grade(write_submission(tmp_path, dropout=HOARDS_MEMORY_THEN_CORRECT), FAIR_LIMITS)
    assert total_score(results) == 3.0, [r.message for part in results for r in part.results if not r.passed]


@pytest.mark.slow
def test_the_same_submission_gets_the_same_grade_every_run(tmp_path):
    directory = write_submission(tmp_path, dropout=HOSTILE_DROPOUTS["walks the call stack for expected values"])
    # as grading runs it: derandomized, no example database (the dev profile is neither), the grading's limits
    # (its calls, each hunting through gc's objects, take 3-6 s on a loaded machine: never a 3 s deadline's flip)
    graded_like_grading = Settings(FAST, derandomize=True, database=None)
    first, second = (_grade(directory, FAIR_LIMITS, graded_like_grading),
                     _grade(directory, FAIR_LIMITS, graded_like_grading))
    assert [(r.check, r.passed, r.message) for part in first for r in part.results] == [
        (r.check, r.passed, r.message) for part in second for r in part.results]


@pytest.mark.parametrize("name", list(assignments.MODULES))
def test_the_workers_view_holds_what_the_worker_runs_and_no_trusted_source(tmp_path, name):
    """The view is the worker's world: the worker, the assignment's worker half and the numpy-only
    modules they import. No check, mirror, hint, catalogue, course data, expected value, trusted half
    or other assignment is there for a submission to read and raise in its feedback."""
    import shutil

    from reference.sandbox.view import build_view
    (tmp_path / "two_layer_net.py").write_text("x = 1\n")
    view = build_view(tmp_path, name)
    try:
        files = {path.relative_to(view).as_posix(): path.read_text() for path in view.rglob("*.py")}
        own = f"reference/assignments/{assignments.MODULES[name]}/"
        assert {"reference/sandbox/worker.py", own + "worker.py", "submission/two_layer_net.py"} <= set(files)
        harness = {path: text for path, text in files.items() if path.startswith("reference/")}
        assert not [path for path in harness if path.startswith("reference/assignments/")
                    and path not in (own + "worker.py", "reference/assignments/__init__.py")]
        assert not [path for path in harness if path.split("/")[1] in ("grading", "catalogues", "batch")]
        for path, text in harness.items():
            for trusted in ("import torch", "from torch", "import hypothesis", "from hypothesis", "PARTS =",
                            "Check(", "assert_close(", "expected_trace", "NOTEBOOK_L2_LOSS =", "NOTEBOOK_LOSSES =",
                            "Likely cause", "course.toml"):
                assert trusted not in text, (path, trusted)
    finally:
        shutil.rmtree(view)
