"""One graded example of a cs231n-dropout check, run again on the student's module in this process."""
import sys

from ...core.statistics import MaskTally
from ...grading.in_process import InProcessRunner
from ...grading.replays import replayed_example
from .net import _STOOD_IN
from .net_masks import NetEvidence
from .worker import DropoutRecorder, Loaded

# A replay line's check name: (module, its example, the evidence that example adds to), found by name when
# replayed (a student kit's copy may leave a hidden part's check out). Evidence named "MaskTally" is
# statistics.MaskTally; any other is found in the example's module.
EXAMPLES = {"dropout_forward": ("dropout_checks", "_dropout_forward_example", "MaskPool"),
            "seed": ("dropout_checks", "_seed_example", "MaskPool"),
            "dropout_backward": ("dropout_checks", "_dropout_backward_example", "backward_evidence"),
            "scores": ("net", "_scores_example", "MaskTally"), "no_dropout": ("net", "_no_dropout_example", "MaskTally"),
            "init": ("net_init", "_init_example", "MaskTally"),
            "dropout_net": ("net_masks", "_dropout_net_example", "NetEvidence"),
            "inline_masks": ("net_masks", "_inline_masks_example", "NetEvidence"),
            "in_use": ("net_masks", "_in_use_example", "NetEvidence"),
            "notebook_gradients": ("notebook", "_notebook_gradients_example", "MaskTally")}


def replay(check, scenario, module):
    """Run one graded example of `check` on the student's `module` (layers, or fc_net for the net's checks),
    imported in this process; raises AssertionError as grading does (a statistic over a whole check's
    calls needs the whole check: only the example's own comparisons run here)."""
    layers = module if hasattr(module, "dropout_forward") else sys.modules.get("cs231n.layers", module)
    recorder = DropoutRecorder(getattr(layers, "dropout_forward", None), getattr(layers, "dropout_backward", None))
    if hasattr(module, "FullyConnectedNet"):
        loaded = Loaded(layers, recorder, module)
    else:
        loaded = Loaded(layers, recorder, fc_net_error=AttributeError("no fc_net given"))
    runner = InProcessRunner(loaded, sys.modules[__package__])
    example, evidence = replayed_example(__package__, EXAMPLES, check, shared={"MaskTally": MaskTally})
    evidence = evidence()
    _STOOD_IN.clear()
    installed = recorder.install()  # the net's dropout calls go through the recorder, as in grading
    try:
        example(runner, scenario, evidence)
    finally:
        for namespace, name, value in installed:  # the student's modules as they were
            namespace[name] = value
    if isinstance(evidence, NetEvidence):
        evidence.settle(lambda: False)  # a failure held for the dropout parts' verdict shows here
    if _STOOD_IN:
        raise AssertionError(_STOOD_IN.pop())  # so does a call that dropout_forward raised on
