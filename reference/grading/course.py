"""A course's grading settings, from a TOML file (`--grading-config FILE`):

    assignment = "nnti-7.4"      # which assignment the file configures (reference.assignments)
    examples_per_check = 300     # grading strength: examples per check in the grading profile (default 300)

    [limits]                     # the worker's limits (default: reference.sandbox.limits.Limits)
    total_seconds = 420          # the whole grading; once spent, the remaining checks fail
    call_seconds = 20            # one call into the submission
    memory_mb = 320              # the worker's address space (with the grader: within a 768 MB box)

    [parts."Dropout forward"]    # a part by its name in the points table
    points = 2.0
    visibility = "visible"       # visible, hidden, after_due_date or after_published (Gradescope's)

Parts the file does not name keep the assignment's points and are visible. `omit_parts = [names]`
leaves parts out altogether (neither run nor listed: a part not graded this term). The student kit's
course file (student_view) names only the visible parts. Every mistake (an
unknown key, part or visibility, negative points, a limit out of range) is a CourseError naming
the file and the key.
"""
import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .. import assignments

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
LIMITS = {  # key -> (Limits field, factor to its unit, the smallest and largest sensible value)
    "total_seconds": ("total_seconds", 1.0, 1.0, 24 * 3600.0),
    "call_seconds": ("call_seconds", 1.0, 0.1, 3600.0),
    "memory_mb": ("memory_bytes", 2**20, 64, 64 * 1024),
}
MAX_EXAMPLES = 100_000


class CourseError(ValueError):
    """The course file is not one this harness understands: the message says where and why."""


@dataclass(frozen=True)
class PartSettings:
    points: float | None = None  # None: the assignment's own
    visibility: str = "visible"


@dataclass(frozen=True)
class Course:
    assignment: str = assignments.DEFAULT
    examples_per_check: int | None = None
    limits: dict = field(default_factory=dict)  # Limits field -> value, only those the file sets
    parts: dict = field(default_factory=dict)  # part name -> PartSettings
    omit_parts: tuple = ()  # part names neither run nor listed
    source: str = ""  # the file's text, as read (the autograder zip bakes it in unchanged)
    path: str = ""

    def graded_parts(self, parts):
        """The assignment's `parts` with this course's points and visibility."""
        def configured(part):
            settings = self.parts.get(part.name, PartSettings())
            points = part.points if settings.points is None else settings.points
            return dataclasses.replace(part, points=points, visibility=settings.visibility)
        return tuple(configured(part) for part in parts if part.name not in self.omit_parts)

    def apply_limits(self, limits):
        return dataclasses.replace(limits, **self.limits)


def load(path):
    """The Course in the TOML file at `path` (CourseError on any mistake)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(f"{path}: cannot read the course file ({error.strerror or error})") from None
    return parse(text, str(path))


def parse(text, name="course file"):
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{name}: not valid TOML: {error}") from None

    def fail(key, why):
        raise CourseError(f"{name}: {key}: {why}")

    _unknown_keys(table, {"assignment", "examples_per_check", "limits", "parts", "omit_parts"}, "", fail)
    assignment = table.get("assignment", assignments.DEFAULT)
    if assignment not in assignments.MODULES:
        fail("assignment", f"unknown assignment {assignment!r}: choose one of {', '.join(assignments.MODULES)}")
    examples = table.get("examples_per_check")
    if examples is not None and not (type(examples) is int and 1 <= examples <= MAX_EXAMPLES):
        fail("examples_per_check", f"must be a whole number from 1 to {MAX_EXAMPLES}, not {examples!r}")
    known = [part.name for part in assignments.get(assignment).PARTS]
    omitted = table.get("omit_parts", [])
    if not (isinstance(omitted, list) and all(part in known for part in omitted)):
        fail("omit_parts", f"must be a list of {assignment}'s parts ({', '.join(map(repr, known))}), not {omitted!r}")
    return Course(assignment, examples, _limits(table.get("limits", {}), fail), _parts(
        table.get("parts", {}), known, assignment, fail), tuple(omitted), text, name)


def _limits(table, fail):
    if not isinstance(table, dict):
        fail("limits", "must be a table ([limits])")
    _unknown_keys(table, set(LIMITS), "limits.", fail)
    limits = {}
    for key, value in table.items():
        attribute, unit, low, high = LIMITS[key]
        if not _number(value) or not low <= value <= high:
            fail(f"limits.{key}", f"must be a number from {low:g} to {high:g}, not {value!r}")
        limits[attribute] = int(value * unit) if attribute == "memory_bytes" else float(value)
    return limits


def _parts(table, known, assignment, fail):
    if not isinstance(table, dict):
        fail("parts", 'must be a table of parts ([parts."Part name"])')
    settings = {}
    for name, options in table.items():
        key = f'parts."{name}"'
        if name not in known:
            fail(key, f"{assignment} has no such part: its parts are {', '.join(repr(part) for part in known)}")
        if not isinstance(options, dict):
            fail(key, "must be a table (points, visibility)")
        _unknown_keys(options, {"points", "visibility"}, f"{key}.", fail)
        points = options.get("points")
        if points is not None and not (_number(points) and 0 <= points <= 1e6):
            fail(f"{key}.points", f"must be a number from 0 to 1e6, not {points!r}")
        visibility = options.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            fail(f"{key}.visibility", f"must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
        settings[name] = PartSettings(None if points is None else float(points), visibility)
    return settings


def _unknown_keys(table, allowed, prefix, fail):
    for key in table:
        if key not in allowed:
            fail(f"{prefix}{key}", f"unknown key (known: {', '.join(sorted(allowed))})")


def _number(value):
    return type(value) in (int, float) and math.isfinite(value)


def student_view(course):
    """The course file of the student kit (TOML text): the same assignment, strength and limits, and the
    visible parts with their points; the other parts are not named (the kit's copy of the assignment
    has none of them: reference.kit_pruning)."""
    parts = course.graded_parts(assignments.get(course.assignment).PARTS)
    lines = [f"# The course file of this kit: the parts students see ({course.assignment}).",
             f"assignment = {_toml(course.assignment)}"]
    if course.examples_per_check:
        lines.append(f"examples_per_check = {course.examples_per_check}")
    if course.limits:
        lines.append("\n[limits]")
        for key, (attribute, unit, _, _) in LIMITS.items():
            if attribute in course.limits:
                lines.append(f"{key} = {course.limits[attribute] / unit:g}")
    for part in parts:
        if part.visibility == "visible":
            lines += [f"\n[parts.{_toml(part.name)}]", f"points = {part.points!r}"]
    return "\n".join(lines) + "\n"


def _toml(text):
    return json.dumps(text)  # a TOML basic string: JSON's escapes are TOML's
