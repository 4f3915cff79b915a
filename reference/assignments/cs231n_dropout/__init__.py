"""cs231n-dropout (docs/assignments/cs231n-dropout.md, seed 004): cs231n assignment 2's dropout notebook, p the KEEP probability.

A submission: DIR/layers.py and DIR/fc_net.py, or cs231n's own layout DIR/cs231n/layers.py and
DIR/cs231n/classifiers/fc_net.py, with an optional layer_utils.py beside layers.py (else the
course's affine_relu sandwich, built on the submission's layers, is supplied). The files may use
cs231n's imports: `from .layers import *`, `from ..layers import *`, `from ..layer_utils import *`,
`from cs231n.layers import *`, `from layers import *`, ...: each name resolves to the same module.

Points: Dropout forward 1.0, Dropout backward 0.5, Fully-connected net 1.5.

The trusted side believes nothing the worker keeps (DESIGN.md, Trust):
- Every dropout_forward call, a scenario's or a mask study's, goes through the one task and gets x
  from one distribution (dropout_values: fresh values every call, any rank, seeds given or not as
  scenarios give them). Every check of the forward part pools the masks of all of its train-mode
  calls (MaskPool: the fraction dropped, and agreement between neighbouring examples, neighbouring
  features, consecutive calls and calls of one shape, weighing every element alike and every call
  alike): a mask shared along the batch or along the features, or repeated across calls, fails
  whatever it is conditioned on, as long as that covers a fair share of the check's calls.
- Dropout backward is judged as the derivative of the submission's own forward (dout * out / x),
  so a forward bug does not cost it too; it earns credit only where the forward draws genuine masks.
- The net: each scenario's masks come either from the records of its dropout_forward calls, each
  validated against what the trusted side computes (the x of hidden layer 1 is relu(X W1 + b1) of the
  parameters it set; of layer k, what the layers below give with their validated factors), or, for a
  net whose dropout is written inline, are read from its gradients (read_net_factors: a layer's
  backward signals from its weight gradient, the batch's input having full row rank, and the kept
  values' scale from its bias gradient). Either way the loss and every gradient must match torch
  with those factors: a record skipped, faked or overwritten only loses points. Masks the net draws
  itself are held to what dropout is: 1 / p, the fraction dropped, a fresh mask per call.
- Every check fails closed: evidence that is empty, or too small for its bound, fails with what
  could not be observed.
"""
from ...core import mask_studies, statistics  # noqa: F401 - re-exported for tests
from ...grading.parts import Check, Part, false_alarm_budget
from .calls import VALUE_MAGNITUDES, as_sent, draw_key, dropout_values  # noqa: F401
from .dropout_checks import (DropoutScenario, ZerosKept, dropout_backward_matches,  # noqa: F401
                             dropout_forward_matches_torch, seed_fixes_the_mask)
from .net import NetScenario, loss_matches_torch_without_dropout, net_arrays, readable_batch, scores_match_torch, \
    torch_net  # noqa: F401
from .net_init import InitScenario, initialization_matches  # noqa: F401
from .net_masks import NetEvidence, dropout_net_matches_torch, inline_masks  # noqa: F401
from .notebook import NOTEBOOK_LOSSES, notebook_gradient_check, notebook_initial_loss  # noqa: F401
from .pools import MaskPool
from .reading import NetReading, Unreadable, read_net_factors  # noqa: F401
from .replay import replay  # noqa: F401 - a replay line imports * from this package
from .solution import model_solution  # noqa: F401
from .studies import MASK_STUDY_CHECKS, _pooled_study, replay_mask_study, sample_masks  # noqa: F401
from .verdicts import _net_check
from .worker import NAME, TASKS, load_submission  # noqa: F401 - the worker half, also run in process
from .worker import DropoutRecorder, Loaded  # noqa: F401 - for replays and tests

SUBMISSION = "layers.py and fc_net.py at the top, or cs231n/layers.py and cs231n/classifiers/fc_net.py"

PARTS = (
    Part("Dropout forward", 1.0, (
        Check("train mode is x * mask / p, test mode the identity (torch's dropout, given the mask)",
              dropout_forward_matches_torch, bounds=MaskPool.bounds_for(MaskPool.COUNTED)),
        Check("dropout_param['seed'] fixes the mask", seed_fixes_the_mask, bounds=MaskPool.bounds_for()),
        *MASK_STUDY_CHECKS,
    )),
    Part("Dropout backward", 0.5, (
        Check("dx is the derivative of your forward (the same mask and 1 / p)", dropout_backward_matches,
              bounds=3),
    )),
    Part("Fully-connected net", 1.5, (
        Check("initialization: weight_scale * randn(in, out), zero biases, of the net's dtype", initialization_matches,
              bounds=1),
        Check("scores in test mode match torch", _net_check(scores_match_torch)),
        Check("loss and gradients match torch without dropout", _net_check(loss_matches_torch_without_dropout)),
        Check("loss and gradients match torch with the masks its dropout drew", _net_check(dropout_net_matches_torch)),
        Check("dropout written inline: 1 / p, the fraction dropped, a fresh mask per call", _net_check(inline_masks),
              bounds=3 * MaskPool.bounds_for() + 1),
        Check("the notebook's gradient check", notebook_gradient_check),
        Check("the notebook's initial loss", notebook_initial_loss),
    )),
)


FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
