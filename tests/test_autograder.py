"""The Gradescope autograder zip: built by one command, and its run_autograder grades a folder laid
out like /autograder (root overridden) into results/results.json."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from reference.autograder import build
from tests.submissions import write_submission
from tests.submissions.hostile import HOSTILE_DROPOUTS


def test_zip_holds_the_scripts_the_harness_and_the_pin_at_its_top(tmp_path):
    names = set(zipfile.ZipFile(build(tmp_path / "autograder.zip")).namelist())
    assert {"setup.sh", "run_autograder", "constraints.txt", "pyproject.toml", "conftest.py",
            "tests/test_assignment.py", "toyframe/layers/linear.py", "reference/worker.py"} <= names
    assert not any(name.startswith("tests/catalogue") for name in names)


def _autograder_root(tmp_path, **submission):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build(tmp_path / "autograder.zip")) as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / script, 0o755)
    write_submission(root / "submission", **submission)
    return root


def _run_autograder(root):
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    completed = subprocess.run([str(root / "source" / "run_autograder")], env=environment, capture_output=True,
                               text=True, timeout=900)
    return completed, json.loads((root / "results" / "results.json").read_text())


@pytest.mark.slow
def test_run_autograder_grades_a_correct_submission(tmp_path):
    completed, results = _run_autograder(_autograder_root(tmp_path))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert results["score"] == 3.0 and [test["score"] for test in results["tests"]] == [1.0, 0.5, 1.5]


@pytest.mark.slow
def test_run_autograder_keeps_the_trusted_results_when_a_submission_forges_them(tmp_path):
    forger = HOSTILE_DROPOUTS["prints fake JSON and writes results files"]
    completed, results = _run_autograder(_autograder_root(tmp_path, dropout=forger))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert results["score"] == 1.5 and results["tests"][0]["status"] == "failed"
