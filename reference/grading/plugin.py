"""The grading contract, as a pytest plugin (entry point in pyproject.toml):

    python -m pytest --assignment NAME --submission DIR --results-json FILE

grades the submission in DIR as the assignment NAME (reference.assignments; default nnti-7.4)
defines one, in a locked-down worker; without --submission, the model solution is graded. With
either option only the grading items (marker `grading`, tests/test_assignment.py) run, nothing
else is even collected (the other tests may need extras grading does not), and the hypothesis
profile is `grading` (derandomized, no example database) unless --hypothesis-profile names
another: the same submission gets the same grade on every run. Every run that grades ends with
the points table; FILE is Gradescope's results.json, written by this (trusted) process alone,
after every worker is gone.
"""
import json
import os
import secrets
import time
from pathlib import Path

import pytest
from hypothesis import settings

from .. import assignments
from ..sandbox import runners as sandbox
from .parts import CheckResult, PartResult, format_table, total_score
from .profiles import register_profiles

MARKER = "grading"
FEEDBACK_CHARACTERS = 4000  # per failed check: the minimal example, the differences, the replay line
GRADED_MODULE = "test_assignment.py"  # where the grading items live


def pytest_addoption(parser):
    group = parser.getgroup("grading", "grading a submission (toyframe-harness)")
    group.addoption("--assignment", metavar="NAME", default=assignments.DEFAULT, choices=list(assignments.MODULES),
                    help=f"the assignment graded: {', '.join(assignments.MODULES)} (default {assignments.DEFAULT})")
    group.addoption("--submission", metavar="DIR", default=None,
                    help="grade the submission in DIR, as the assignment defines one (default: the model solution)")
    group.addoption("--results-json", metavar="FILE", default=None,
                    help="write Gradescope's results.json for the graded checks to FILE")
    group.addoption("--grading-budget", metavar="SECONDS", type=float, default=None,
                    help="wall-clock budget of the whole grading (default 420); once spent, the remaining "
                         "checks fail and results are still written")


def grading_only(config):
    return bool(config.getoption("--submission") or config.getoption("--results-json")
                or config.getoption("--assignment") != assignments.DEFAULT)


def graded_assignment(config):
    """The module of the assignment this session grades."""
    return assignments.get(config.getoption("--assignment"))


@pytest.hookimpl(trylast=True)  # after hypothesis's own plugin has loaded any profile named
def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}: one graded check of an assignment part (reference.grading.parts)")
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


def part_results(outcomes, parts):
    """{(part, check): (passed, message)} -> a PartResult per part of `parts`, in their order."""
    return [PartResult(part, tuple(CheckResult(part.name, check.name, *outcomes.get((part.name, check.name), (
        False, "not run")))for check in part.checks)) for part in parts]


def results_json(results, execution_time, isolation=None, assignment=None):
    """Gradescope's results.json: score, execution_time, output (the table), one test per part, and in
    extra_data the assignment and the worker's walls (which stood, what was missing)."""
    tests = []
    for result in results:
        output = f"{result.passed} of {len(result.results)} checks passed."
        failures = [f"{check.check}:\n{check.message}" for check in result.results if not check.passed]
        tests.append({"name": result.part.name, "score": result.score, "max_score": result.part.points,
                      "status": "passed" if result.score == result.part.points else "failed",
                      "output": "\n\n".join([output, *failures]), "visibility": "visible"})
    output = format_table(results)
    if isolation and isolation.get("refused"):
        output = f"{isolation['refused']}\n\n{output}"
    document = {"score": total_score(results), "execution_time": round(execution_time, 3),
                "output": output, "tests": tests}
    extra = {**({"assignment": assignment} if assignment else {}), **({"isolation": isolation} if isolation else {})}
    if extra:
        document["extra_data"] = extra
    return document


def write_atomically(path, text):
    """`text` into `path` through a new file in the same folder (O_CREAT | O_EXCL | O_NOFOLLOW, fsynced),
    renamed over it: whatever was at `path` (a file, a link, a FIFO) is replaced, never followed or
    written into, and a reader sees the old document or the new one, never half of one."""
    path = Path(path)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Points:
    """Counts each graded check's outcome where the reports arrive (the controller under
    pytest-xdist, so once), then prints the table and writes results.json."""

    def __init__(self, config):
        self.config = config
        self.outcomes = {}
        self.isolation = None
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report):
        properties = dict(report.user_properties)
        if properties.get("isolation"):
            self.isolation = properties["isolation"]
        if "part" not in properties or (report.passed and report.when != "call"):
            return
        key = (properties["part"], properties["check"])
        if report.failed or key not in self.outcomes:
            message = "" if report.passed else str(report.longrepr)
            if len(message) > FEEDBACK_CHARACTERS:
                message = message[:FEEDBACK_CHARACTERS] + "\n... (the rest is cut)"
            self.outcomes[key] = (report.passed, message)

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes or hasattr(self.config, "workerinput"):
            return
        assignment = graded_assignment(self.config)
        results = part_results(self.outcomes, assignment.PARTS)
        terminalreporter.write_sep("=", "points")
        terminalreporter.write_line(format_table(results))
        if self.isolation:
            missing = self.isolation.get("missing") or []
            walls = f"MISSING {'; '.join(missing)}" if missing else "all active"
            terminalreporter.write_line(f"worker walls: {walls}")
        path = self.config.getoption("--results-json")
        if path:
            leftovers = sandbox.stop_all_workers()  # results only once every worker is gone, checked
            if leftovers:
                self.isolation = {**(self.isolation or {}), "left running": leftovers}
            document = results_json(results, time.monotonic() - self.started, self.isolation, assignment.NAME)
            write_atomically(path, json.dumps(document, indent=2))
            terminalreporter.write_line(f"results written to {path}")
