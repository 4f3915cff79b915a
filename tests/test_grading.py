"""The main job: toyframe's model solution earns every point, and the contract
`python -m pytest --submission DIR --results-json FILE` reports it as Gradescope expects."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradescope import validate
from reference.assignments.nnti_7_4 import PARTS
from reference.grading.parts import CheckResult, PartResult, format_table, total_score
from tests.submissions import write_submission
from tests.submissions.hostile import HOSTILE_DROPOUTS

ROOT = Path(__file__).resolve().parent.parent


def test_points_follow_the_assignment():
    assert [(part.name, part.points) for part in PARTS] == [
        ("Dropout forward", 1.0), ("Dropout backward", 0.5), ("L2 regularization", 1.5)]


def test_a_part_earns_its_points_only_when_every_check_passes_and_the_table_says_so():
    """(toyframe's own full marks are the `grading` items of tests/test_assignment.py.)"""
    results = [PartResult(part, tuple(CheckResult(part.name, check.name, not (part.graded == "dropout" and index == 0))
                                      for index, check in enumerate(part.checks))) for part in PARTS]
    assert [result.score for result in results] == [0.0, 0.0, 1.5] and total_score(results) == 1.5
    table = format_table(results)
    checks = len(PARTS[0].checks)
    assert f"Dropout forward    {checks - 1}/{checks}".ljust(34) + "0.0 / 1.0" in table
    assert "Dropout backward   0/1            0.0 / 0.5" in table
    assert "L2 regularization  3/3            1.5 / 1.5" in table
    assert table.splitlines()[-1].split() == ["Total", "1.5", "/", "3.0"]


def _contract(tmp_path, *options):
    """Run `python -m pytest [options] --results-json FILE` from the repository root."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    results = tmp_path / "results.json"
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options,
                                "--results-json", str(results)], cwd=ROOT, capture_output=True, text=True,
                               timeout=600)
    return completed, json.loads(results.read_text())


def _check_gradescope_shape(document):
    """Beyond Gradescope's format (tests/conftest.py validates every results file against it): what this
    harness always writes."""
    validate(document)
    assert {"score", "execution_time", "output", "output_format", "stdout_visibility", "tests", "extra_data"} <= set(
        document)
    assert document["output_format"] == "md" and document["stdout_visibility"] == "hidden"
    assert {"assignment", "complete", "harness_version", "profile", "libraries"} <= set(document["extra_data"])
    if "isolation" in document["extra_data"]:  # a submission's grading: the worker's walls, proved
        assert {"layers", "proofs", "missing"} <= set(document["extra_data"]["isolation"])
    for number, test in enumerate(document["tests"], 1):
        assert {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"} <= set(test)
        assert test["number"] == str(number) and test["visibility"] == "visible"


@pytest.mark.slow
def test_contract_without_a_submission_grades_toyframe(tmp_path):
    completed, document = _contract(tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    _check_gradescope_shape(document)
    assert document["score"] == 3.0 and "Total                             3.0 / 3.0" in completed.stdout
    assert "| **Total** | | **3.0 / 3.0** |" in document["output"]  # the same table, in Markdown


@pytest.mark.slow
def test_contract_grades_a_submission_folder_and_explains_each_failure(tmp_path):
    """A Dropout that never drops: 1.5 for L2 alone, and each Dropout part says what differs and where."""
    identity = HOSTILE_DROPOUTS["prints fake JSON and writes results files"]
    completed, document = _contract(tmp_path, "--submission", str(write_submission(tmp_path / "s", dropout=identity)))
    _check_gradescope_shape(document)
    assert document["score"] == 1.5
    forward = document["tests"][0]
    assert forward["status"] == "failed" and forward["score"] == 0.0
    for fragment in ("checks passed", "differs from the PyTorch reference", "Greatest absolute difference",
                     "Tolerance:", "Scenario: batch"):
        assert fragment in forward["output"]
    assert "reproduce_failure" not in forward["output"] and "Falsifying" not in forward["output"]


@pytest.mark.slow
def test_two_xdist_workers_give_the_points_of_a_serial_run(tmp_path):
    submission = str(write_submission(tmp_path / "s", dropout=HOSTILE_DROPOUTS["prints fake JSON and writes results files"]))
    _, serial = _contract(tmp_path / "serial", "--submission", submission)
    _, parallel = _contract(tmp_path / "parallel", "-n", "2", "--submission", submission)
    assert [(t["name"], t["score"], t["status"]) for t in parallel["tests"]] == [
        (t["name"], t["score"], t["status"]) for t in serial["tests"]]
    assert parallel["score"] == serial["score"] == 1.5


@pytest.mark.slow
def test_the_contract_grades_deterministically_and_without_the_experiments_extra(tmp_path):
    """With --results-json and no --hypothesis-profile, the grading profile applies (derandomized, no
    example database), and nothing but the graded checks is collected: a checkout installed with the
    `test` extra alone, without matplotlib or scikit-learn, grades."""
    missing = tmp_path / "missing"
    for package in ("matplotlib", "sklearn"):
        (missing / package).mkdir(parents=True)
        (missing / package / "__init__.py").write_text(f"raise ImportError('{package} is not installed')\n")
    results = tmp_path / "results.json"
    completed = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-k", "notebook",
                                f"--results-json={results}"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                               env={**os.environ, "PYTHONPATH": str(missing)})
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "hypothesis profile 'grading' -> database=None" in completed.stdout and "derandomize=True" in completed.stdout
    checks = sum(len(part.checks) for part in PARTS)
    assert f"collected {checks} items / {checks - 1} deselected / 1 selected" in completed.stdout  # nothing else
    assert "1 passed" in completed.stdout
    assert json.loads(results.read_text())["tests"][2]["output"].startswith("**1 of 3 checks passed.**")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["cs231n-dropout", "two-layer"])
def test_contract_grades_each_assignment_by_name(tmp_path, assignment):
    """`--assignment NAME` without a submission grades that assignment's model solution; with one, the
    submission as that assignment defines it, its failures each with a scenario and a replay line."""
    from reference import assignments
    from tests.catalogue import cs231n_dropout, two_layer
    completed, document = _contract(tmp_path / "model", "--assignment", assignment)
    assert completed.returncode == 0, completed.stdout[-3000:]
    _check_gradescope_shape(document)
    assert document["score"] == 3.0 and document["extra_data"]["assignment"] == assignment
    assert [test["name"] for test in document["tests"]] == [part.name for part in assignments.get(assignment).PARTS]
    wrong = {"cs231n-dropout": cs231n_dropout.CATALOGUE, "two-layer": two_layer.CATALOGUE}[assignment]
    submission = next(entry for entry in wrong if len(entry.loses) == 1)
    completed, document = _contract(tmp_path / "wrong", "--assignment", assignment, "--submission",
                                    str(submission.write(tmp_path)))
    assert completed.returncode == 1
    _check_gradescope_shape(document)
    lost = [test for test in document["tests"] if test["score"] < test["max_score"]]
    assert [test["name"] for test in lost] == sorted(submission.loses)
    assert "Replay" in lost[0]["output"] and "from reference.assignments." in lost[0]["output"], lost[0]["output"]


def test_an_unknown_assignment_is_a_usage_error_naming_the_choices(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--assignment", "nnti-7.5",
                                "--results-json", str(tmp_path / "r.json")], cwd=ROOT, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 4 and "nnti-7.4" in completed.stderr and "two-layer" in completed.stderr
    assert not (tmp_path / "r.json").exists()
