"""The Gradescope autograder zip: built by one command, and its run_autograder grades a folder laid
out like /autograder (root overridden) into results/results.json."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from reference.autograder import build
from tests.gradescope import validate
from tests.submissions import write_submission
from reference.sandbox.limits import NOT_ROOT
from tests.submissions.attacks import attacking_submission
from tests.submissions.hostile import HOSTILE_DROPOUTS

ROOT = Path(__file__).resolve().parent.parent


def test_zip_holds_the_scripts_the_harness_and_the_pin_at_its_top(tmp_path):
    names = set(zipfile.ZipFile(build(tmp_path / "autograder.zip")).namelist())
    assert {"setup.sh", "run_autograder", "constraints.txt", "pyproject.toml", "conftest.py",
            "tests/test_assignment.py", "toyframe/layers/linear.py", "reference/sandbox/worker.py",
            "reference/assignments/two_layer/__init__.py", "reference/assignments/two_layer/worker.py",
            "assignment.txt"} <= names
    assert not any(name.startswith("tests/catalogue") for name in names)
    # no implementation of a graded class or function: nothing worth stealing in the install
    assert not {"toyframe/layers/dropout.py", "toyframe/layers/regularization.py", "toyframe/functional.py",
                "toyframe/fc_net.py", "toyframe/experiments/xor_quadrants.py"} & names


@pytest.mark.parametrize("assignment", ["nnti-7.4", "cs231n-dropout", "two-layer"])
def test_the_zip_grades_the_assignment_it_was_built_for(tmp_path, assignment):
    with zipfile.ZipFile(build(tmp_path / "autograder.zip", assignment)) as archive:
        assert archive.read("assignment.txt").decode().strip() == assignment
    with pytest.raises(ValueError, match="unknown assignment 'nnti-7.5'"):
        build(tmp_path / "other.zip", "nnti-7.5")


@pytest.mark.slow
@pytest.mark.parametrize("assignment, submission", [("cs231n-dropout", "cs231n_layout_binomial_2019"),
                                                    ("two-layer", "correct_tuple_cache_binomial")])
def test_run_autograder_grades_the_other_assignments(tmp_path, assignment, submission):
    from tests.catalogue import cs231n_dropout, two_layer
    catalogue = {"cs231n-dropout": cs231n_dropout.CATALOGUE, "two-layer": two_layer.CATALOGUE}[assignment]
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build(tmp_path / "autograder.zip", assignment)) as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / script, 0o755)
    folder = next(entry for entry in catalogue if entry.name == submission).write(tmp_path)
    shutil.copytree(folder, root / "submission")
    completed, results = _run_autograder(root)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert results["score"] == 3.0 and results["extra_data"]["assignment"] == assignment, results["output"]


def _autograder_root(tmp_path, **submission):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build(tmp_path / "autograder.zip")) as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / script, 0o755)
    write_submission(root / "submission", **submission)
    return root


def _run_autograder(root, **environment):
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable, **environment}
    completed = subprocess.run([str(root / "source" / "run_autograder")], env=environment, capture_output=True,
                               text=True, timeout=900)
    document = json.loads((root / "results" / "results.json").read_text())
    validate(document)  # also where tests/conftest.py does not look (a mkdtemp folder)
    return completed, document


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


@pytest.mark.slow
def test_every_attack_at_once_through_run_autograder_earns_nothing_and_harms_nothing(tmp_path):
    """As Gradescope runs it (root, the worker as nobody): the submission runs every attack of
    tests/submissions/attacks.py at import and at each new layer, aimed at the harness it is graded by,
    another student's folder, its own submission, the results file, the model solution in this
    checkout and the grader (found through its parent and /proc)."""
    scene_folder = Path(tempfile.mkdtemp(prefix="attacked-"))
    os.chmod(scene_folder, 0o755)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    try:
        root = scene_folder / "autograder"
        with zipfile.ZipFile(build(tmp_path / "autograder.zip")) as archive:
            archive.extractall(root / "source")
        for script in ("setup.sh", "run_autograder"):
            os.chmod(root / "source" / script, 0o755)
        other = write_submission(scene_folder / "other-student")
        precious = [root / "source" / "reference" / "grading" / "parts.py", other / "layers" / "Dropout.py",
                    root / "submission" / "layers" / "L2regularization.py"]
        targets = {"files": [str(path) for path in precious], "solution": str(ROOT / "toyframe/layers/dropout.py"),
                   "victim": None, "fifo": str(root / "results" / "results.json"),
                   "port": listener.getsockname()[1], "marker": str(scene_folder / "outlived")}
        write_submission(root / "submission", dropout=attacking_submission(targets))
        before = {path: path.read_bytes() for path in precious}
        completed, results = _run_autograder(root, SECRET_OF_THE_GRADER="do-not-leak")
        time.sleep(1.5)
        text = json.dumps(results)
        assert completed.returncode == 0, completed.stdout[-3000:]
        assert results["score"] <= 1.5 and [test["score"] for test in results["tests"]] == [0.0, 0.0, 1.5], text[:3000]
        assert results["extra_data"]["isolation"]["missing"] == ([] if os.geteuid() == 0 else [NOT_ROOT])
        assert {path: path.read_bytes() for path in precious} == before
        assert not (scene_folder / "outlived").exists()
        with pytest.raises(BlockingIOError):
            listener.accept()
        for leak in ("LEAKED", "do-not-leak", "the model solution", "def grade(", "import toyframe"):
            assert leak not in text, leak
        assert len(text) < 64_000
    finally:
        listener.close()
        shutil.rmtree(scene_folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the grader refuses only when it runs as root")
def test_run_as_root_without_a_walled_worker_the_grader_refuses_and_still_writes_results(tmp_path):
    root = scene = Path(tempfile.mkdtemp(prefix="refused-"))
    try:
        os.chmod(scene, 0o755)
        submission = write_submission(root / "submission")
        results_file = root / "results.json"
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--submission={submission}",
             f"--results-json={results_file}"], cwd=ROOT, capture_output=True, text=True, timeout=600,
            env={**os.environ, "HARNESS_WORKER_PYTHON": "/usr/bin/python3"})  # no numpy there: no worker
        results = json.loads(results_file.read_text())
        validate(results)
        assert completed.returncode == 1, completed.stdout[-2000:]
        assert results["score"] == 0 and "Install layout" in results["output"]
        assert all("Install layout" in test["output"] for test in results["tests"])
    finally:
        shutil.rmtree(scene, ignore_errors=True)
