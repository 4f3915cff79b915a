"""The catalogues of known bugs, the trusted side's data: realistic wrong implementations of each
assignment, each with a one-line description and the parts its bug costs. The grader replays them for
its "Likely cause:" hints (reference.grading.hints); the tests grade them all (each must lose exactly
its parts). Never in a worker's view (which holds reference.sandbox.view.worker_modules alone) nor
in a student kit (reference.autograder.TRUSTED_ONLY): they are nearly right implementations.

- nnti-7.4: wrong_dropouts.py and wrong_l2.py, classes (the docstring's first line is the bug), with
  CAUGHT_BY naming the checks each must fail (nnti_7_4.py makes them KnownBugs);
- cs231n-dropout and two-layer: cs231n_dropout.py and two_layer.py, whole submissions as data
  (submission.Submission: name, bug, files, loses), the correct styles they are patched from included.
"""
import functools
import importlib
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownBug:
    name: str
    description: str  # one line: what is wrong
    parts: frozenset  # the parts (their names in the points table) this bug costs
    build: object  # build() -> the implementation an InProcessRunner of the assignment runs
    checks: frozenset = frozenset()  # the checks known to catch it, where the catalogue says (tried first)

    @functools.cached_property
    def implementation(self):
        return self.build()


def known_bugs(assignment):
    """The KnownBugs of `assignment` (a module of reference.assignments), in catalogue order: its catalogue
    is the module of this package named as the assignment's package, found by that name; it defines
    known_bugs(assignment), or WRONG, whole submissions as data (submission.Submission). None: no hints."""
    package = assignment.__name__.rpartition(".")[2]
    try:
        catalogue = importlib.import_module(f"{__name__}.{package}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{package}":
            raise
        return ()
    if hasattr(catalogue, "known_bugs"):
        return tuple(catalogue.known_bugs(assignment))
    return tuple(KnownBug(entry.name, entry.bug, entry.loses, functools.partial(_load, assignment, entry))
                 for entry in getattr(catalogue, "WRONG", ()))


def _load(assignment, entry):
    """The assignment's loaded submission of the catalogue entry, from a folder written for the load."""
    with tempfile.TemporaryDirectory(prefix="known-bug-") as folder:
        return assignment.load_submission(str(entry.write(folder)))
