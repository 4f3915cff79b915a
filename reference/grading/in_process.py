"""InProcessRunner: a trusted implementation (the model solution, a catalogue entry) run in this process,
through the same tasks and wire format as a worker (reference.sandbox.runners runs a student's)."""
import warnings

from .. import assignments
from ..sandbox import wire


class InProcessRunner:
    """Runs a trusted implementation (the model solution, a catalogue entry) of `assignment` (a module
    of reference.assignments, default nnti-7.4) here, through the same tasks and the same wire format
    as a worker, so that a check sees the same kind of replies from either runner.
    study_scale: the size of the mask studies' masks, as a fraction of their full size (None:
    measured, see reference.grading.mask_checks.study_scale)."""


    def __init__(self, implementation, assignment=None, study_scale=None):
        self.implementation = implementation
        self.assignment = assignment or assignments.get()
        self.study_scale = study_scale


    def call(self, task, **args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in a worker, whose output nobody reads: a warning is not a failure
            return wire.decode(wire.encode(self.assignment.TASKS[task](self.implementation, **args)))


    # Trusted code needs no worker: nothing to begin, reset, refuse or report.
    refused = None


    def begin_check(self):
        pass


    def reset(self):
        pass


    def isolation_report(self):
        return None


    def handin_report(self):
        return []


    def unavailable(self):
        return None
