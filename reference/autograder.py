"""Build the Gradescope autograder zip.

    python -m reference.autograder [--output autograder.zip]

The zip holds, at its top (Gradescope unpacks it into /autograder/source): setup.sh and
run_autograder (from autograder/), the harness (toyframe/, reference/, pyproject.toml,
conftest.py, README.md), the torch pin (constraints.txt) and the graded checks
(tests/test_assignment.py) — nothing else from tests/.
"""
import argparse
import stat
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("setup.sh", "run_autograder")
FILES = ("pyproject.toml", "constraints.txt", "conftest.py", "README.md", "tests/test_assignment.py")
PACKAGES = ("toyframe", "reference")


def members():
    """(path in the zip, file on disk) for everything the autograder needs."""
    yield from ((name, ROOT / "autograder" / name) for name in SCRIPTS)
    yield from ((name, ROOT / name) for name in FILES)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def build(output):
    output = Path(output)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in members():
            info = zipfile.ZipInfo.from_file(path, name)
            mode = 0o755 if name in SCRIPTS else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference.autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="autograder.zip", help="where to write the zip (default: autograder.zip)")
    args = parser.parse_args(argv)
    print(f"wrote {build(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
