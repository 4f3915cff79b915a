"""Build the Gradescope autograder zip.

    python -m reference.autograder [--assignment NAME] [--output autograder.zip]

The zip grades one assignment (reference.assignments; default nnti-7.4), named in its
assignment.txt. It holds, at its top (Gradescope unpacks it into /autograder/source): setup.sh and
run_autograder (from autograder/), the harness (reference/, the skeleton part of toyframe/ a
submission builds on, pyproject.toml, conftest.py, README.md), the pins (constraints.txt) and the
graded checks (tests/test_assignment.py) — nothing else from tests/, and no implementation of a
graded class or function (toyframe's Dropout, L2regularization, L1regularization, its cs231n
functions, its two-layer net): grading compares against the PyTorch mirror.
"""
import argparse
import stat
import sys
import zipfile
from pathlib import Path

from . import assignments
from .sandbox.runners import WORKER_TOYFRAME

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("setup.sh", "run_autograder")
FILES = ("pyproject.toml", "constraints.txt", "conftest.py", "README.md", "tests/test_assignment.py")


def members():
    """(path in the zip, file on disk) for everything the autograder needs."""
    yield from ((name, ROOT / "autograder" / name) for name in SCRIPTS)
    yield from ((name, ROOT / name) for name in FILES)
    for path in sorted((ROOT / "reference").rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path
    yield from ((f"toyframe/{name}", ROOT / "toyframe" / name) for name in WORKER_TOYFRAME)


def build(output, assignment=assignments.DEFAULT):
    assignments.get(assignment)  # an unknown name stops here, naming the choices
    output = Path(output)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("assignment.txt", (1980, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        archive.writestr(info, assignment + "\n", zipfile.ZIP_DEFLATED)
        for name, path in members():
            info = zipfile.ZipInfo.from_file(path, name)
            mode = 0o755 if name in SCRIPTS else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference.autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default=assignments.DEFAULT, choices=list(assignments.MODULES),
                        help=f"the assignment the zip grades (default {assignments.DEFAULT})")
    parser.add_argument("--output", default="autograder.zip", help="where to write the zip (default: autograder.zip)")
    args = parser.parse_args(argv)
    print(f"wrote {build(args.output, args.assignment)} (grades {args.assignment})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
