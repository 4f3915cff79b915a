"""The catalogues of known bugs, the trusted side's data: realistic wrong implementations of each
assignment, each with a one-line description and the parts its bug costs. The grader replays them for
its "Likely cause:" hints (reference.grading.hints); the tests grade them all (each must lose exactly
its parts). Never in a worker's view (which holds reference.sandbox.view.worker_modules alone) nor
in a student kit (reference.autograder.TRUSTED_ONLY): they are nearly right implementations.

- nnti-7.4: wrong_dropouts.py and wrong_l2.py, classes (the docstring's first line is the bug), with
  CAUGHT_BY naming the checks each must fail;
- cs231n-dropout and two-layer: cs231n_dropout.py and two_layer.py, whole submissions as data
  (submission.Submission: name, bug, files, loses), the correct styles they are patched from included.
"""
import functools
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
    """The KnownBugs of `assignment` (a module of reference.assignments), in catalogue order."""
    return _KNOWN.get(assignment.NAME, lambda module: ())(assignment)


def _nnti(assignment):
    from . import wrong_dropouts, wrong_l2
    part_of = {check.name: part.name for part in assignment.PARTS for check in part.checks}
    return tuple(KnownBug(cls.__name__, cls.__doc__.strip().splitlines()[0], frozenset(map(part_of.get, checks)),
                          functools.partial(dict, {kind: cls}), frozenset(checks))
                 for kind, module in (("dropout", wrong_dropouts), ("l2", wrong_l2))
                 for cls, checks in module.CAUGHT_BY.items())


def _file_based(catalogue):
    def bugs(assignment):
        module = __import__(f"{__name__}.{catalogue}", fromlist=["WRONG"])
        return tuple(KnownBug(entry.name, entry.bug, entry.loses, functools.partial(_load, assignment, entry))
                     for entry in module.WRONG)
    return bugs


def _load(assignment, entry):
    """The assignment's loaded submission of the catalogue entry, from a folder written for the load."""
    with tempfile.TemporaryDirectory(prefix="known-bug-") as folder:
        return assignment.load_submission(str(entry.write(folder)))


_KNOWN = {"nnti-7.4": _nnti, "cs231n-dropout": _file_based("cs231n_dropout"), "two-layer": _file_based("two_layer")}
