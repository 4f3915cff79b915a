"""The assignments the harness grades, one package each (docs/assignments/), all through one contract:

    python -m pytest --assignment NAME --submission DIR --results-json FILE

An assignment package is split where trust splits:
- `worker.py`, the worker half, the only file of the assignment that enters a worker's view (the
  standard library, numpy and the harness's numpy-only modules alone): WORKER_TOYFRAME, the
  toyframe files its submissions build on (a subset of reference.sandbox.view.WORKER_TOYFRAME);
  load_submission(directory), which imports the submission's files and returns what TASKS work
  on; TASKS, {name: task(submission, **plain arguments) -> plain values and arrays}, the only
  things the trusted side can ask for;
- the trusted side (hypothesis, torch), in modules by concern where it is large (its scenarios and
  torch mirror, each part's checks, the statistics they pool, solution.py, replay.py), declared by
  `__init__.py`: NAME; SUBMISSION, one line on what DIR holds; PARTS, a tuple of
  reference.grading.parts.Part whose checks drive TASKS through a runner and compare the replies
  with the assignment's PyTorch mirror; model_solution(), the implementation graded without
  --submission (it must earn every point); and TASKS and load_submission re-exported from its
  worker half, for trusted implementations run in process. A student kit's copy of the package is
  cut of the hidden parts' checks in whichever module they live (reference.kit_pruning): a replay
  names its check's module by string, so that nothing but PARTS reaches a check.
Runners, the sandbox, the comparator, tolerances, statistics, the points table and results.json
are shared: adding an assignment is adding a package here (found by its worker's NAME) and, for its
hints, a catalogue (reference.catalogues).
"""
import ast
import importlib
from pathlib import Path


def _discovered():
    """{NAME: package}: every package here whose worker.py declares NAME = "..." (read from its text, not
    imported: a worker's view, which holds worker halves alone, finds the same)."""
    found = {}
    for worker in sorted(Path(__file__).parent.glob("*/worker.py")):
        for node in ast.parse(worker.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == ["NAME"]
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                found[node.value.value] = worker.parent.name
    return dict(sorted(found.items(), key=lambda item: item[0] != DEFAULT))  # the default first


DEFAULT = "nnti-7.4"
MODULES = _discovered()


def _package(name):
    if name not in MODULES:
        raise ValueError(f"unknown assignment {name!r}: choose one of {', '.join(MODULES)}")
    return f"{__name__}.{MODULES[name]}"


def get(name=DEFAULT):
    """The trusted side of the assignment called `name` (ValueError naming the choices for any other)."""
    return importlib.import_module(_package(name))


def worker_half(name=DEFAULT):
    """The worker half of the assignment called `name`: its module `worker` (in a worker's view, the
    package around it holds nothing else)."""
    return importlib.import_module(f"{_package(name)}.worker")
