"""The graded checks, one test each (marker `grading`): what `python -m pytest --submission DIR
--results-json FILE` runs. Without --submission they grade toyframe's own classes, which must
earn every point."""
import pytest
from hypothesis import settings

import toyframe
from reference.grading import PARTS, run_check
from reference.sandbox import InProcessRunner, Limits, SubmissionRunner

CHECKS = [(part, check) for part in PARTS for check in part.checks]


@pytest.fixture(scope="session")
def graded(request):
    """The runner every check of this session goes through, and the part it graded last."""
    directory = request.config.getoption("--submission")
    budget = request.config.getoption("--grading-budget")
    limits = Limits(total_seconds=budget) if budget else Limits()
    runner = (SubmissionRunner(directory, limits) if directory else
              InProcessRunner({"dropout": toyframe.Dropout, "l2": toyframe.L2regularization}))
    state = {"runner": runner, "part": None}
    yield state
    if directory:
        runner.close()


@pytest.mark.grading
@pytest.mark.parametrize("part, check", CHECKS, ids=[f"{part.name}: {check.name}" for part, check in CHECKS])
def test_check(graded, part, check, record_property):
    record_property("part", part.name)
    record_property("check", check.name)
    if graded["part"] != part.name:
        graded["runner"].reset()
        graded["part"] = part.name
    isolation, refused = graded["runner"].isolation_report(), graded["runner"].refused
    if isolation is not None or refused:
        record_property("isolation", {**(isolation or {}), "refused": refused})
    passed, message = run_check(check, graded["runner"], settings())
    if not passed:
        pytest.fail(message, pytrace=False)
