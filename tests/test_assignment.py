"""The graded checks, one test each (marker `grading`): what `python -m pytest --assignment NAME
--submission DIR --results-json FILE` runs. Without --submission they grade the assignment's model
solution, which must earn every point."""
import dataclasses

import pytest
from hypothesis import settings

from reference.grading.hints import Hints
from reference.grading.parts import check_outcome
from reference.grading.plugin import graded_assignment, graded_course, graded_parts
from reference.sandbox.runners import SubmissionRunner
from reference.grading.in_process import InProcessRunner
from reference.sandbox.limits import Limits


def pytest_generate_tests(metafunc):
    if "check" in metafunc.fixturenames:
        checks = [(part, check) for part in graded_parts(metafunc.config) for check in part.checks]
        metafunc.parametrize("part, check", checks, ids=[f"{part.name}: {check.name}" for part, check in checks])


@pytest.fixture(scope="session")
def graded(request):
    """The runner every check of this session goes through, and the part it graded last."""
    assignment = graded_assignment(request.config)
    directory = request.config.getoption("--submission")
    limits = graded_course(request.config).apply_limits(Limits())
    budget = request.config.getoption("--grading-budget")
    limits = dataclasses.replace(limits, total_seconds=budget) if budget else limits
    runner = (SubmissionRunner(directory, limits, assignment=assignment) if directory else
              InProcessRunner(assignment.model_solution(), assignment))
    state = {"runner": runner, "part": None, "hints": Hints(assignment)}
    yield state
    if directory:
        runner.close()


@pytest.mark.grading
def test_check(graded, part, check, record_property):
    record_property("part", part.name)
    record_property("check", check.name)
    if graded["part"] != part.name:
        graded["runner"].reset()
        graded["part"] = part.name
    isolation, refused = graded["runner"].isolation_report(), graded["runner"].refused
    if isolation is not None or refused:
        record_property("isolation", {**(isolation or {}), "refused": refused})
    outcome = check_outcome(check, graded["runner"], settings(), graded["hints"], part.name)
    handin = graded["runner"].handin_report()
    if handin:
        record_property("handin", handin)
    if not outcome.passed:
        record_property("causes", [[description, list(parts)] for description, parts in outcome.causes])  # data
        pytest.fail(outcome.message, pytrace=False)
