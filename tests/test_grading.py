"""The main job: toyframe's model solution earns every point, and the table says so."""
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

import toyframe
from reference.grading import PARTS, format_table, grade, total_score

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model_solution_results():
    return grade({"dropout": toyframe.Dropout, "l2": toyframe.L2regularization}, settings())


def test_points_follow_the_assignment():
    assert [(part.name, part.points) for part in PARTS] == [
        ("Dropout forward", 1.0), ("Dropout backward", 0.5), ("L2 regularization", 1.5)]


def test_model_solution_earns_full_marks(model_solution_results):
    failures = [f"{r.part}: {r.check}\n{r.message}" for part in model_solution_results for r in part.results
                if not r.passed]
    assert not failures, "\n\n".join(failures)
    assert total_score(model_solution_results) == 3.0


def test_table_lists_each_part_with_checks_and_points(model_solution_results):
    table = format_table(model_solution_results)
    assert "Dropout forward    6/6            1.0 / 1.0" in table
    assert "Dropout backward   1/1            0.5 / 0.5" in table
    assert "L2 regularization  3/3            1.5 / 1.5" in table
    assert table.splitlines()[-1].split() == ["Total", "3.0", "/", "3.0"]


@pytest.mark.slow
def test_main_job_prints_the_table():
    completed = subprocess.run([sys.executable, "-m", "reference.grade", "--profile", "ci"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "Total                             3.0 / 3.0" in completed.stdout
