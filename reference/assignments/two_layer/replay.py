"""One graded example of a two-layer check, run again on the student's module in this process."""
import sys

from ...sandbox.runners import InProcessRunner
from .backward import _backward_example
from .cost import _cost_example
from .evidence import Evidence
from .forward import _batch, _forward_example, forward_matches_torch
from .observed import _Tally
from .update import _update_example
from .worker import loaded


# A replay line's check name: the example it runs, and the evidence that example adds to.
EXAMPLES = {"forward": (_forward_example, Evidence), "cost": (_cost_example, lambda: None),
            "backward": (_backward_example, _Tally), "update": (_update_example, lambda: None)}


def replay(check, scenario, module):
    """Run one graded example of `check` ("forward", "cost", "backward" or "update") on `module`, the
    student's two_layer_net imported in this process; raises AssertionError as grading does."""
    runner = InProcessRunner(loaded(module), sys.modules[__package__])
    if check not in EXAMPLES:
        raise ValueError(f"no graded check is called {check!r}: one of {', '.join(EXAMPLES)}")
    example, evidence = EXAMPLES[check]
    example(runner, scenario, evidence())


def replay_forward(module, batch=None):
    """Run the forward check on `module`, the student's two_layer_net imported here: one batch of
    scenarios (`batch`, a number), or the whole check (ci's examples); raises AssertionError as grading does."""
    from hypothesis import settings as Settings
    runner = InProcessRunner(loaded(module), sys.modules[__package__])
    if batch is not None:
        return _batch(runner)(batch)
    return forward_matches_torch(runner, Settings(max_examples=40, derandomize=True, database=None, deadline=None))
