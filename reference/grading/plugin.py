"""The grading contract, as a pytest plugin (entry point in pyproject.toml):

    python -m pytest --assignment NAME --submission DIR --results-json FILE [--grading-config COURSE]

grades the submission in DIR as the assignment NAME (reference.assignments; default nnti-7.4)
defines one, in a locked-down worker; without --submission, the model solution is graded. COURSE,
a TOML file (reference.grading.course), names the assignment and sets its parts' points and
visibility, the examples per check and the worker's limits. With any of these options only the grading items (marker `grading`, tests/test_assignment.py) run, nothing
else is even collected (the other tests may need extras grading does not), and the hypothesis
profile is `grading` (derandomized, no example database) unless --hypothesis-profile names
another: the same submission gets the same grade on every run. Every run that grades ends with
the points table; FILE is Gradescope's results.json (reference.grading.results), written by this (trusted) process
alone: once at the start (nothing graded yet), again after every part, and last after every worker
is gone, so that a grading stopped midway still leaves a valid file.
"""
import json
import time

import pytest
from hypothesis import settings

from .. import assignments
from ..sandbox import processes, runners
from . import course as courses
from .parts import CheckResult, PartResult, format_table
from .profiles import register_profiles
from .results import NOT_RUN, results_json, run_facts, write_atomically

MARKER = "grading"
FEEDBACK_CHARACTERS = 4000  # per failed check: the minimal example, the differences, the replay line
LINE_CHARACTERS = 1200  # of one line of it (a replay holding a batch's arrays): its middle is cut
HINT_CHARACTERS = 600  # of its likely cause (a known bug's description, and the others that matched)


def shortened(message):
    """A failed check's feedback within FEEDBACK_CHARACTERS: an overlong line keeps its start and end, the
    message its start (the likely cause is data of its own, never cut)."""
    lines = [line if len(line) <= LINE_CHARACTERS else
             f"{line[:LINE_CHARACTERS - 300]} ... ({len(line) - LINE_CHARACTERS + 100} characters cut) ... {line[-200:]}"
             for line in message.split("\n")]
    body = "\n".join(lines)
    if len(body) > FEEDBACK_CHARACTERS:
        body = body[:FEEDBACK_CHARACTERS - 24] + "\n... (the rest is cut)"
    return body


GRADED_MODULE = "test_assignment.py"  # where the grading items live


def pytest_addoption(parser):
    group = parser.getgroup("grading", "grading a submission (toyframe-harness)")
    group.addoption("--assignment", metavar="NAME", default=assignments.DEFAULT, choices=list(assignments.MODULES),
                    help=f"the assignment graded: {', '.join(assignments.MODULES)} (default {assignments.DEFAULT})")
    group.addoption("--submission", metavar="DIR", default=None,
                    help="grade the submission in DIR, as the assignment defines one (default: the model solution)")
    group.addoption("--results-json", metavar="FILE", default=None,
                    help="write Gradescope's results.json for the graded checks to FILE")
    group.addoption("--grading-config", metavar="COURSE", default=None,
                    help="a course's TOML file: the assignment, its parts' points and visibility, the examples "
                         "per check, the worker's limits (reference.grading.course)")
    group.addoption("--grading-budget", metavar="SECONDS", type=float, default=None,
                    help="wall-clock budget of the whole grading (default 420); once spent, the remaining "
                         "checks fail and results are still written")


COURSE = pytest.StashKey()


def grading_only(config):
    return bool(config.getoption("--submission") or config.getoption("--results-json")
                or config.getoption("--grading-config") or config.getoption("--assignment") != assignments.DEFAULT)


def graded_course(config):
    """The Course this session grades by: the --grading-config file's, else the assignment's defaults."""
    if COURSE not in config.stash:
        config.stash[COURSE] = _course(config)
    return config.stash[COURSE]


def _course(config):
    named = config.getoption("--assignment")
    path = config.getoption("--grading-config")
    if not path:
        return courses.Course(named)
    try:
        course = courses.load(path)
    except courses.CourseError as error:
        raise pytest.UsageError(str(error)) from None
    if named not in (assignments.DEFAULT, course.assignment):
        raise pytest.UsageError(f"--assignment {named} but the course file {path} configures {course.assignment}")
    return course


def graded_assignment(config):
    """The module of the assignment this session grades."""
    return assignments.get(graded_course(config).assignment)


def graded_parts(config):
    """The parts this session grades: the assignment's, with the course file's points and visibility."""
    return graded_course(config).graded_parts(graded_assignment(config).PARTS)


@pytest.hookimpl(trylast=True)  # after hypothesis's own plugin has loaded any profile named
def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}: one graded check of an assignment part (reference.grading.parts)")
    course = graded_course(config)  # a bad course file stops here, before anything runs
    config.pluginmanager.register(Points(config), "toyframe-grading-points")
    if grading_only(config) and not config.getoption("hypothesis_profile", None):
        register_profiles()
        settings.load_profile("grading")
    if course.examples_per_check and settings.get_current_profile_name() == "grading":
        # the course's grading strength replaces the grading profile's; a quicker profile named on purpose
        # (--hypothesis-profile=ci: the student kit's `./run test`) stays quick
        settings.register_profile("grading+course", settings(settings.default, max_examples=course.examples_per_check))
        settings.load_profile("grading+course")


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
    """{(part, check): (passed, message, hint, causes)} -> a PartResult per part of `parts`, in their order."""
    return [PartResult(part, tuple(CheckResult(part.name, check.name, *outcomes.get((part.name, check.name), (
        False, NOT_RUN, "", ()))) for check in part.checks)) for part in parts]


def _causes(recorded):
    """The known bugs a check's hint names, as the test recorded them: ((description, parts), ...)."""
    if not isinstance(recorded, list):
        return ()
    return tuple((str(description)[:HINT_CHARACTERS], tuple(map(str, parts))) for description, parts in recorded[:2])


class Points:
    """Counts each graded check's outcome where the reports arrive (the controller under
    pytest-xdist, so once), writes results.json as parts finish, then prints the table and writes
    the final results.json."""

    def __init__(self, config):
        self.config = config
        self.outcomes = {}
        self.isolation = None
        self.handin = []  # how the hand-in was read: notes for the student
        self.started = time.monotonic()
        self.finished_parts = set()

    def pytest_collection_finish(self, session):
        if self._writes_results():
            self._write(complete=False)  # a grader killed before its first part still leaves a valid file

    def pytest_runtest_logreport(self, report):
        properties = dict(report.user_properties)
        if properties.get("isolation"):
            self.isolation = properties["isolation"]
        if properties.get("handin"):
            self.handin = properties["handin"]
        if "part" not in properties or (report.passed and report.when != "call"):
            return
        key = (properties["part"], properties["check"])
        if report.failed or key not in self.outcomes:
            message = "" if report.passed else str(report.longrepr)
            self.outcomes[key] = (report.passed, shortened(message), "", _causes(properties.get("causes")))
        part = next(part for part in graded_parts(self.config) if part.name == key[0])
        if part.name not in self.finished_parts and all((part.name, check.name) in self.outcomes
                                                        for check in part.checks):
            self.finished_parts.add(part.name)
            if self._writes_results():
                self._write(complete=False)

    def _writes_results(self):
        return self.config.getoption("--results-json") and not hasattr(self.config, "workerinput")

    def _write(self, complete):
        assignment = graded_assignment(self.config)
        parts = graded_parts(self.config)
        outcomes = self.outcomes if complete else {key: outcome for key, outcome in self.outcomes.items()
                                                   if key[0] in self.finished_parts}
        profile = settings.default
        run = run_facts({"name": settings.get_current_profile_name(), "max_examples": profile.max_examples,
                         "derandomize": profile.derandomize}, graded_course(self.config))
        document = results_json(part_results(outcomes, parts), time.monotonic() - self.started,
                                assignment=assignment.NAME, complete=complete, isolation=self.isolation, run=run,
                                handin=self.handin)
        write_atomically(self.config.getoption("--results-json"), json.dumps(document, indent=2))

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes or hasattr(self.config, "workerinput"):
            return
        results = part_results(self.outcomes, graded_parts(self.config))
        terminalreporter.write_sep("=", "points")
        terminalreporter.write_line(format_table(results))
        for note in self.handin:
            terminalreporter.write_line(f"hand-in: {note}")
        if self.isolation:
            missing = self.isolation.get("missing") or []
            walls = f"MISSING {'; '.join(missing)}" if missing else "all active"
            terminalreporter.write_line(f"worker walls: {walls}")
        path = self.config.getoption("--results-json")
        if path:
            leftovers = runners.stop_all_workers()  # results only once every worker is gone, checked
            if leftovers:
                self.isolation = {**(self.isolation or {}), "left running": leftovers}
            if self.isolation:  # a worker ran: the IPC objects it left in the kernel, removed (none expected)
                self.isolation = {**self.isolation, "ipc objects removed": processes.ipc_objects_removed()}
            self._write(complete=True)
            terminalreporter.write_line(f"results written to {path}")
