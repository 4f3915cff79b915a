"""Adding an assignment is adding its package (CONTRIBUTING.md): a minimal one, written into a temporary
copy of the repository, is found by its worker's NAME and graded end to end by the contract's command,
through a worker behind the walls, with no other file of the harness touched."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

WORKER = '''"""toy-sum's worker half: the student's adder.py and its one task."""
import importlib.util
import os

import numpy as np

NAME = "toy-sum"
SUBMISSION_MODULES = ("adder",)
WORKER_TOYFRAME = ()


def load_submission(directory):
    spec = importlib.util.spec_from_file_location("adder", os.path.join(directory, "adder.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _add(adder, a, b):
    return np.asarray(adder.add(np.asarray(a), np.asarray(b)), dtype=np.float64)


TASKS = {"add": _add}
'''

TRUSTED = '''"""toy-sum: add(a, b) adds two arrays."""
import types

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ...core.comparator import assert_close
from ...core.properties import for_all
from ...core import tolerances
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from .worker import NAME, TASKS, load_submission  # noqa: F401

SUBMISSION = "adder.py at the top"


def adds(runner, settings):
    """add(a, b) is a + b for arrays of any shape."""
    def body(pair):
        a, b = pair
        context = f"\\nScenario: a of shape {a.shape}"
        out = implementation(lambda: runner.call("add", a=a, b=b), context)
        assert_close(out, a + b, quantity="add(a, b)", tolerance=tolerances.ASSIGNMENT, context=context)
    shapes = hnp.array_shapes(max_dims=2, max_side=4)
    pairs = shapes.flatmap(lambda shape: st.tuples(*[hnp.arrays(np.float64, shape, elements=st.floats(-9, 9))] * 2))
    for_all(pairs, settings, body)


def model_solution():
    return types.SimpleNamespace(add=np.add)


PARTS = (Part("Adding", 1.0, (Check("add(a, b) is a + b", adds),)),)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
'''


def _copy_of_the_repository(target):
    for name in ("reference", "toyframe", "tests", "conftest.py", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "catalogue"))
        else:
            shutil.copy2(source, target / name)
    package = target / "reference" / "assignments" / "toy_sum"
    package.mkdir()
    (package / "worker.py").write_text(WORKER)
    (package / "__init__.py").write_text(TRUSTED)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("body, score", [("return a + b", 1.0), ("return a - b", 0.0)], ids=["right", "wrong"])
def test_a_new_assignment_is_found_and_graded_end_to_end(tmp_path, body, score):
    repository = _copy_of_the_repository(tmp_path / "repository")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "adder.py").write_text(f"def add(a, b):\n    {body}\n")
    for path in (tmp_path, submission, submission / "adder.py"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    results = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--assignment", "toy-sum",
         "--submission", str(submission), "--results-json", str(results), "--hypothesis-profile", "ci"],
        cwd=repository, capture_output=True, text=True, timeout=600)
    document = json.loads(results.read_text())
    assert document["score"] == score, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert [test["name"] for test in document["tests"]] == ["Adding"]
    if not score:
        assert "add(a, b)" in document["tests"][0]["output"]
