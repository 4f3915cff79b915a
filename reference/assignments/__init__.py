"""The assignments the harness grades, one module each (ASSIGNMENT.md §D), all through one contract:

    python -m pytest --assignment NAME --submission DIR --results-json FILE

An assignment module declares, in two halves:
- for the worker (imported there before the walls go up; the stdlib, numpy and the harness's
  numpy-only modules alone): NAME; WORKER_TOYFRAME, the toyframe files its submissions build on
  (a subset of reference.sandbox.runners.WORKER_TOYFRAME); load_submission(directory), which
  imports the submission's files and returns what TASKS work on; TASKS, {name: task(submission,
  **plain arguments) -> plain values and arrays}, the only things the trusted side can ask for;
- for the trusted side only (under `if TRUSTED_SIDE:`, since the worker has neither hypothesis nor
  torch): PARTS, a tuple of reference.grading.parts.Part whose checks drive TASKS through a runner
  and compare the replies with the assignment's PyTorch mirror; model_solution(), the
  implementation the harness grades without --submission (it must earn every point); SUBMISSION,
  one line on what DIR holds.
Runners, the sandbox, the comparator, tolerances, statistics, the points table and results.json
are shared: adding an assignment is adding a module here and its line in MODULES.
"""
import importlib

# False in a worker, which imports an assignment for its worker half alone.
TRUSTED_SIDE = True

MODULES = {"nnti-7.4": "nnti_7_4", "cs231n-dropout": "cs231n_dropout", "two-layer": "two_layer"}
DEFAULT = "nnti-7.4"


def get(name=DEFAULT):
    """The module of the assignment called `name` (ValueError naming the choices for any other)."""
    if name not in MODULES:
        raise ValueError(f"unknown assignment {name!r}: choose one of {', '.join(MODULES)}")
    return importlib.import_module(f"{__name__}.{MODULES[name]}")
