"""One graded example of a two-layer check, run again on the student's module in this process."""
import sys

from ...grading.in_process import InProcessRunner
from ...grading.replays import replayed_example
from .forward import _batch, forward_matches_torch
from .worker import loaded

# A replay line's check name: (module, its example, the evidence that example adds to, if any), found by
# name when replayed (a student kit's copy may leave a hidden part's check out).
EXAMPLES = {"forward": ("forward", "_forward_example", "Evidence"), "cost": ("cost", "_cost_example", None),
            "backward": ("backward", "_backward_example", "_Tally"), "update": ("update", "_update_example", None)}


def replay(check, scenario, module):
    """Run one graded example of `check` ("forward", "cost", "backward" or "update") on `module`, the
    student's two_layer_net imported in this process; raises AssertionError as grading does."""
    example, evidence = replayed_example(__package__, EXAMPLES, check)
    runner = InProcessRunner(loaded(module), sys.modules[__package__])
    example(runner, scenario, evidence())


def replay_forward(module, batch=None):
    """Run the forward check on `module`, the student's two_layer_net imported here: one batch of
    scenarios (`batch`, a number), or the whole check (ci's examples); raises AssertionError as grading does."""
    from hypothesis import settings as Settings
    runner = InProcessRunner(loaded(module), sys.modules[__package__])
    if batch is not None:
        return _batch(runner)(batch)
    return forward_matches_torch(runner, Settings(max_examples=40, derandomize=True, database=None, deadline=None))


def replay_training(part, run, module):
    """Run the training runs of the grading (`run` None) or one (a TrainingRun) on `module`, the student's
    two_layer_net imported here; raises AssertionError with what `part` ("forward", "backward" or "update")
    is charged, as grading does (one run: its deterministic failures, without the pooled bounds)."""
    from .training import RUNS, train_runs
    runner = InProcessRunner(loaded(module), sys.modules[__package__])
    found = train_runs(runner, RUNS if run is None else (run,), judge=run is None)
    if getattr(found, part):
        raise AssertionError(getattr(found, part))
