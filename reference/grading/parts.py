"""What every assignment's grading shares: parts made of checks, running a check, the points table.

A part earns its points only when every one of its checks passes. A check is a function
check(runner, settings) that raises AssertionError (with what differs, the scenario and a replay
line) when the implementation behind `runner` is wrong; it never trusts the runner's replies.
The assignments (reference.assignments) declare their parts; nothing here knows any of them.
"""
import gc
import math
import traceback
import weakref
from dataclasses import dataclass

from hypothesis import settings as Settings
from hypothesis.errors import FlakyFailure, HypothesisException


LIKELY_CAUSE = "Likely cause: "  # how Outcome.text sets the hint below a failure's message


@dataclass(frozen=True)
class Check:
    name: str
    run: object  # run(runner, settings) -> None, raises on failure (runner: see reference.sandbox.runners)
    bounds: int = 0  # the most statistical bounds (reference.core.statistics) one passing run evaluates


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    checks: tuple
    graded: str = ""  # what the part grades, where an assignment grades several things apart (nnti-7.4's classes)
    visibility: str = "visible"  # who sees its result when (Gradescope's; a course file sets it)


@dataclass(frozen=True)
class Outcome:
    """What one check found: whether it passed, the failure's message (what differs, the scenario, a
    replay line), and the likely cause a known bug names (reference.grading.hints), kept apart."""
    passed: bool
    message: str = ""
    hint: str = ""
    causes: tuple = ()  # the known bugs the hint names: (description, the parts each costs)

    def text(self):
        """The message with the hint as its last line, for a person reading one text."""
        return self.message + (f"\n{LIKELY_CAUSE}{self.hint}" if self.hint else "")


@dataclass(frozen=True)
class CheckResult:
    part: str
    check: str
    passed: bool
    message: str = ""
    hint: str = ""  # the likely cause, in words (reference.grading.hints), or ""
    causes: tuple = ()  # the known bugs it names: (description, the parts each costs)


@dataclass(frozen=True)
class PartResult:
    part: Part
    results: tuple

    @property
    def passed(self):
        return sum(result.passed for result in self.results)

    @property
    def score(self):
        return self.part.points if self.passed == len(self.results) else 0.0


def false_alarm_budget(parts):
    """The statistical bounds one grading run evaluates at most: with statistics.FALSE_ALARM each,
    their sum bounds the chance that a correct submission fails any of them."""
    return sum(check.bounds for part in parts for check in part.checks)


def implementation(call, context=""):
    """call() on the implementation's side (a runner's method): whatever it raises is the
    implementation's failure, reported with `context` (the scenario and its replay line)."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - a submission may raise anything
        raise AssertionError(f"{describe_failure(error)}{context}") from None


# What each part's checks found in this grading, per runner: {part: failed}. A later part's check may
# excuse a defect that an earlier part charges (a net judged given its own dropout_forward, say): it asks
# here rather than trying the earlier part again, which a submission could tell apart from the grading.
_GRADED = weakref.WeakKeyDictionary()


def part_failed(runner, part):
    """True when a check of `part` failed on `runner` in this grading, False when its checks passed,
    None when none of them ran on it."""
    return _GRADED.get(getattr(runner, "target", runner), {}).get(part)


_FACTS = weakref.WeakKeyDictionary()


def note_fact(runner, key, value):
    """What a check saw of the implementation behind `runner` in this grading, for a later part's check
    (fact): noted, never run again."""
    try:
        _FACTS.setdefault(getattr(runner, "target", runner), {})[key] = value
    except TypeError:
        pass


def fact(runner, key):
    """A fact noted on `runner` in this grading (note_fact), None when none was."""
    return _FACTS.get(getattr(runner, "target", runner), {}).get(key)


def _note(runner, part, passed):
    try:
        graded = _GRADED.setdefault(runner, {})
    except TypeError:  # a runner that cannot be weakly referenced keeps no record
        return
    graded[part] = graded.get(part, False) or not passed


def worded(causes):
    """The likely cause in words: the first known bug's description, the second's after "or"."""
    if not causes:
        return ""
    return causes[0][0] + "".join(f" (or: {description})" for description, _ in causes[1:2])


def run_check(check, runner, settings, hints=None, part=""):
    """-> (passed, message): check_outcome's, the hint as the message's last line."""
    outcome = check_outcome(check, runner, settings, hints, part)
    return outcome.passed, outcome.text()


def check_outcome(check, runner, settings, hints=None, part=""):
    """-> Outcome. Anything the implementation raises fails the check; a runner that cannot run anything
    more (grading refused, its time budget spent) fails it at once, without examples. hints: a
    reference.grading.hints.Hints, which may name the likely cause of a failure of a check of `part`."""
    outcome = _outcome(check, runner, settings, hints, part)
    if part:
        _note(runner, part, outcome.passed)
    return outcome


def _outcome(check, runner, settings, hints, part):
    runner.begin_check()
    unavailable = runner.unavailable()
    if unavailable:
        return Outcome(False, unavailable)
    if hints is not None:
        runner = hints.recording(runner)
    causes = ()
    try:
        check.run(runner, settings)
    except FlakyFailure as error:
        # A failure hypothesis could not repeat: the implementation draws other masks on a rerun (its
        # own unseeded stream), and this scenario's masks happen to hide the bug then. It stands.
        message = (describe_failure(error.exceptions[0]) + "\nNote: this example did not fail when it "
                   "ran again: the implementation behaves differently from run to run (a random stream "
                   "of its own, say). The failure above stands; replay it a few times to see it.")
    except HypothesisException:
        raise  # the harness's own mistake (a health check, say): never blamed on the submission
    except AssertionError as error:
        causes = hints.likely_causes(error, runner, part, check.name) if hints is not None else ()
        message = describe_failure(error)
    except Exception as error:  # noqa: BLE001
        # Every call into the implementation turns what it raises into an AssertionError with its
        # example (implementation()): this came from the grader's own code. Not credited (a reply
        # could provoke it on purpose), and not blamed on the student either.
        message = ("The grader failed while checking this, which is not your code's fault as far as "
                   "it can tell; please tell course staff.\n" + "".join(
                       traceback.format_exception(type(error), error, error.__traceback__, limit=-4)))
    else:
        return Outcome(True)
    gc.collect()  # what the failure left in reference cycles goes now, not checks later
    return Outcome(False, message, worded(causes), causes)


def describe_failure(error):
    if isinstance(error, AssertionError):
        text = str(error)
    else:
        frames = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
        text = f"the implementation raised {type(error).__name__}: {error}\n" + "".join(frames[-3:])
    # hypothesis's notes (falsifying example, explanation, @reproduce_failure) are for developers:
    # the comparator's message already names the scenario and a line that replays it.
    return text.strip()


def grade(runner, parts, settings=None, hints=None):
    """Every check of `parts` on `runner` (reference.sandbox.runners) -> a PartResult per part."""
    settings = settings or Settings()
    results = []
    for part in parts:
        runner.reset()
        outcomes = [check_outcome(check, runner, settings, hints, part.name) for check in part.checks]
        results.append(PartResult(part, tuple(CheckResult(part.name, check.name, outcome.passed, outcome.message,
                                                          outcome.hint, outcome.causes)
                                              for check, outcome in zip(part.checks, outcomes))))
    return results


def format_table(part_results):
    rows = [("Part", "Checks passed", "Points")]
    for result in part_results:
        rows.append((result.part.name, f"{result.passed}/{len(result.results)}",
                     f"{result.score:.1f} / {result.part.points:.1f}"))
    total = sum(result.score for result in part_results)
    maximum = sum(result.part.points for result in part_results)
    rows.append(("Total", "", f"{total:.1f} / {maximum:.1f}"))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.insert(len(lines) - 1, lines[1])
    return "\n".join(lines)


def total_score(part_results):
    return math.fsum(result.score for result in part_results)
