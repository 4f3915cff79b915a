"""Build what a course hands out: Gradescope's autograder zip, or the students' kit.

    python -m reference.autograder [--assignment NAME | --config COURSE] [--output autograder.zip]
    python -m reference.autograder --student-kit [--assignment NAME | --config COURSE] [--output kit.zip]

The autograder zip grades one assignment (reference.assignments; default nnti-7.4), named in its
assignment.txt; with --config, the course file (reference.grading.course) is baked in as course.toml
and sets the points, visibility, examples per check and limits. It holds, at its top (Gradescope
unpacks it into /autograder/source): setup.sh and run_autograder (from autograder/), the harness
(reference/, with the catalogues of known bugs its "Likely cause:" hints replay), the skeleton part
of toyframe/ a submission builds on, pyproject.toml, conftest.py,
README.md, the pins (constraints.txt) and the graded checks (tests/test_assignment.py) — nothing else
from tests/, and no implementation of a graded class or function (toyframe's Dropout,
L2regularization, L1regularization, its cs231n functions, its two-layer net): grading compares
against the PyTorch mirror.

The student kit holds the same harness and checks without the catalogues of known bugs (the grader's
alone: they hold nearly right implementations), with only the parts students see ("visible" in the
course file): the others are cut from its copy of the assignment's module, checks and all
(reference.kit_pruning), and left out of its course.toml, so they are neither run nor listed.
Its README (autograder/kit/README.md) and run script give students two commands: `./run grade DIR`
and `./run test DIR`.
"""
import argparse
import stat
import sys
import zipfile
from pathlib import Path

from . import assignments
from .grading import course as courses
from .kit_pruning import package_without_parts
from .sandbox.view import WORKER_TOYFRAME

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("setup.sh", "run_autograder")
FILES = ("pyproject.toml", "constraints.txt", "conftest.py", "README.md", "tests/test_assignment.py")
KIT_FILES = ("pyproject.toml", "constraints.txt", "conftest.py", "tests/test_assignment.py")
KIT_SCRIPTS = ("run",)
COURSE_FILE = "course.toml"
# reference's packages that never enter a student kit (nor a worker's view): the catalogues of known
# bugs are the trusted side's data, nearly right implementations a student has no business reading.
TRUSTED_ONLY = ("catalogues",)


def harness(trusted):
    """(path in the zip, file on disk) for the harness: reference/ (without the trusted-only packages
    unless `trusted`) and the toyframe skeleton a submission builds on."""
    for path in sorted((ROOT / "reference").rglob("*.py")):
        relative = path.relative_to(ROOT / "reference")
        if trusted or relative.parts[0] not in TRUSTED_ONLY:
            yield path.relative_to(ROOT).as_posix(), path
    yield from ((f"toyframe/{name}", ROOT / "toyframe" / name) for name in WORKER_TOYFRAME)


def _course(course):
    """A Course from a Course, an assignment's name or None (nnti-7.4's own settings); an unknown
    assignment stops here, naming the choices."""
    course = courses.Course(course) if isinstance(course, str) else course or courses.Course()
    assignments.get(course.assignment)
    return course


def build(output, course=None):
    """The autograder zip for `course` (a reference.grading.course.Course or an assignment's name;
    default: nnti-7.4's own settings) at `output`."""
    course = _course(course)
    members = [*((name, ROOT / "autograder" / name) for name in SCRIPTS), *((name, ROOT / name) for name in FILES),
               *harness(trusted=True)]
    texts = {"assignment.txt": course.assignment + "\n", **({COURSE_FILE: course.source} if course.source else {})}
    return _write(output, texts, members, executable=SCRIPTS)


def build_student_kit(output, course=None):
    """The students' kit for `course` (as for build) at `output`: the visible parts only, no catalogue,
    no solution. Of reference/assignments it holds the course's assignment alone, its module without
    the parts students do not see (reference.kit_pruning)."""
    course = _course(course)
    module = assignments.get(course.assignment)
    package = f"reference/assignments/{assignments.MODULES[course.assignment]}/"
    hidden = {part.name for part in course.graded_parts(module.PARTS) if part.visibility != "visible"}
    hidden |= set(course.omit_parts)
    members = [*((name, ROOT / "autograder" / "kit" / name) for name in (*KIT_SCRIPTS, "README.md")),
               *((name, ROOT / name) for name in KIT_FILES),
               *((name, path) for name, path in harness(trusted=False)
                 if not name.startswith("reference/assignments/") or name == "reference/assignments/__init__.py"
                 or name == package + "worker.py")]
    # The package's trusted modules, each cut of what only the hidden parts used (the worker half stays whole).
    trusted = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / package).glob("*.py"))
               if path.name != "worker.py"}
    texts = {COURSE_FILE: courses.student_view(course),
             **{package + name: text for name, text in package_without_parts(trusted, hidden).items()}}
    return _write(output, texts, members, executable=KIT_SCRIPTS)


def _write(output, texts, members, executable):
    output = Path(output)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in texts.items():
            archive.writestr(_info(name, 0o644), text, zipfile.ZIP_DEFLATED)
        for name, path in members:
            archive.writestr(_info(name, 0o755 if name in executable else 0o644), path.read_bytes(),
                             zipfile.ZIP_DEFLATED)
    return output


def _info(name, mode):
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))  # the same inputs make the same zip
    info.external_attr = (stat.S_IFREG | mode) << 16
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference.autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default=None, choices=list(assignments.MODULES),
                        help=f"the assignment graded (default {assignments.DEFAULT}, or the course file's)")
    parser.add_argument("--config", metavar="COURSE", default=None,
                        help="a course's TOML file (points, visibility, examples per check, limits), baked in")
    parser.add_argument("--student-kit", action="store_true",
                        help="build the students' kit (visible parts, no solution, no catalogue) instead")
    parser.add_argument("--output", default=None, help="where to write the zip (default: autograder.zip, or kit.zip)")
    args = parser.parse_args(argv)
    try:
        course = courses.load(args.config) if args.config else courses.Course(args.assignment or assignments.DEFAULT)
    except courses.CourseError as error:
        parser.error(str(error))
    if args.assignment and args.assignment != course.assignment:
        parser.error(f"--assignment {args.assignment} but the course file {args.config} configures {course.assignment}")
    if args.student_kit:
        written = build_student_kit(args.output or "kit.zip", course)
        print(f"wrote {written}: the student kit of {course.assignment}")
    else:
        written = build(args.output or "autograder.zip", course)
        print(f"wrote {written} (grades {course.assignment}{', course file baked in' if course.source else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
