"""The grading contract, as a pytest plugin (entry point in pyproject.toml):

    python -m pytest --submission DIR --results-json FILE

grades the submission in DIR (layers/Dropout.py and layers/L2regularization.py, or both at its
top) in a locked-down worker; without --submission, toyframe's own classes are graded. With
either option only the grading items (marker `grading`, tests/test_assignment.py) run, nothing
else is even collected (the other tests may need extras grading does not), and the hypothesis
profile is `grading` (derandomized, no example database) unless --hypothesis-profile names
another: the same submission gets the same grade on every run. Every run that grades ends with
the points table; FILE is Gradescope's results.json, written by this (trusted) process alone,
after every worker is gone.
"""
import json
import time

import pytest
from hypothesis import settings

from .grading import PARTS, CheckResult, PartResult, format_table, total_score
from .profiles import register_profiles

MARKER = "grading"
GRADED_MODULE = "test_assignment.py"  # where the grading items live


def pytest_addoption(parser):
    group = parser.getgroup("grading", "grading a submission (toyframe-harness)")
    group.addoption("--submission", metavar="DIR", default=None,
                    help="grade the Dropout.py / L2regularization.py in DIR (default: toyframe's own classes)")
    group.addoption("--results-json", metavar="FILE", default=None,
                    help="write Gradescope's results.json for the graded checks to FILE")


def grading_only(config):
    return bool(config.getoption("--submission") or config.getoption("--results-json"))


@pytest.hookimpl(trylast=True)  # after hypothesis's own plugin has loaded any profile named
def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}: one graded check of an assignment part (reference.grading)")
    config.pluginmanager.register(Points(config), "toyframe-grading-points")
    if grading_only(config) and not config.getoption("hypothesis_profile", None):
        register_profiles()
        settings.load_profile("grading")


def pytest_ignore_collect(collection_path, config):
    if grading_only(config) and collection_path.is_file() and collection_path.suffix == ".py":
        return collection_path.name != GRADED_MODULE or None
    return None


def pytest_collection_modifyitems(config, items):
    if not grading_only(config):
        return
    selected = [item for item in items if item.get_closest_marker(MARKER)]
    deselected = [item for item in items if not item.get_closest_marker(MARKER)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def part_results(outcomes):
    """{(part, check): (passed, message)} -> a grading.PartResult per part, in the assignment's order."""
    return [PartResult(part, tuple(CheckResult(part.name, check.name, *outcomes.get((part.name, check.name), (
        False, "not run")))for check in part.checks)) for part in PARTS]


def results_json(results, execution_time):
    """Gradescope's results.json: score, execution_time, output (the table), one test per part."""
    tests = []
    for result in results:
        output = f"{result.passed} of {len(result.results)} checks passed."
        failures = [f"{check.check}:\n{check.message}" for check in result.results if not check.passed]
        tests.append({"name": result.part.name, "score": result.score, "max_score": result.part.points,
                      "status": "passed" if result.score == result.part.points else "failed",
                      "output": "\n\n".join([output, *failures]), "visibility": "visible"})
    return {"score": total_score(results), "execution_time": round(execution_time, 3),
            "output": format_table(results), "tests": tests}


class Points:
    """Counts each graded check's outcome where the reports arrive (the controller under
    pytest-xdist, so once), then prints the table and writes results.json."""

    def __init__(self, config):
        self.config = config
        self.outcomes = {}
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report):
        properties = dict(report.user_properties)
        if "part" not in properties or (report.passed and report.when != "call"):
            return
        key = (properties["part"], properties["check"])
        if report.failed or key not in self.outcomes:
            self.outcomes[key] = (report.passed, "" if report.passed else str(report.longrepr))

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes or hasattr(self.config, "workerinput"):
            return
        results = part_results(self.outcomes)
        terminalreporter.write_sep("=", "points")
        terminalreporter.write_line(format_table(results))
        path = self.config.getoption("--results-json")
        if path:
            document = results_json(results, time.monotonic() - self.started)
            with open(path, "w", encoding="utf-8") as stream:
                json.dump(document, stream, indent=2)
            terminalreporter.write_line(f"results written to {path}")
