"""One graded example of a cs231n-dropout check, run again on the student's module in this process."""
import sys

from ...core import statistics
from ...sandbox.runners import InProcessRunner
from .dropout_checks import (_dropout_backward_example, _dropout_forward_example, _seed_example,
                             backward_evidence)
from .net import _STOOD_IN, _no_dropout_example, _scores_example
from .net_init import _init_example
from .net_masks import NetEvidence, _dropout_net_example, _inline_masks_example
from .notebook import _notebook_gradients_example
from .pools import MaskPool
from .worker import DropoutRecorder, Loaded


# A replay line's check name: the example it runs, and the evidence that example adds to.
EXAMPLES = {"dropout_forward": (_dropout_forward_example, MaskPool), "seed": (_seed_example, MaskPool),
            "dropout_backward": (_dropout_backward_example, backward_evidence),
            "scores": (_scores_example, statistics.MaskTally),
            "no_dropout": (_no_dropout_example, statistics.MaskTally),
            "init": (_init_example, statistics.MaskTally), "dropout_net": (_dropout_net_example, NetEvidence),
            "inline_masks": (_inline_masks_example, NetEvidence),
            "notebook_gradients": (_notebook_gradients_example, statistics.MaskTally)}


def replay(check, scenario, module):
    """Run one graded example of `check` on the student's `module` (layers, or fc_net for the net's checks),
    imported in this process; raises AssertionError as grading does (a statistic over a whole check's
    calls needs the whole check: only the example's own comparisons run here)."""
    layers = module if hasattr(module, "dropout_forward") else sys.modules.get("cs231n.layers", module)
    recorder = DropoutRecorder(getattr(layers, "dropout_forward", None), getattr(layers, "dropout_backward", None))
    if hasattr(module, "FullyConnectedNet"):
        loaded = Loaded(layers, recorder, module)
        for name, value in vars(module).items():  # the net's dropout calls go through the recorder
            if value is recorder.original:
                setattr(module, name, recorder.function)
            elif value is recorder.original_backward and value is not None:
                setattr(module, name, recorder.backward_function)
    else:
        loaded = Loaded(layers, recorder, fc_net_error=AttributeError("no fc_net given"))
    runner = InProcessRunner(loaded, sys.modules[__package__])
    if check not in EXAMPLES:
        raise ValueError(f"no graded check is called {check!r}: one of {', '.join(EXAMPLES)}")
    example, evidence = EXAMPLES[check][0], EXAMPLES[check][1]()
    _STOOD_IN.clear()
    example(runner, scenario, evidence)
    if isinstance(evidence, NetEvidence):
        evidence.settle(lambda: False)  # a failure held for the dropout parts' verdict shows here
    if _STOOD_IN:
        raise AssertionError(_STOOD_IN.pop())  # so does a call that dropout_forward raised on
