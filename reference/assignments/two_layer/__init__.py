"""two-layer (docs/assignments/two-layer.md, seeds 000 and 001): a column-major 2-layer tanh/sigmoid net with
inverted dropout on the hidden layer and an L2-regularized cross-entropy, in the deeplearning.ai style.

A submission: DIR/two_layer_net.py, numpy only, defining
    forward_propagation_with_dropout(X, parameters, keep_prob) -> (A2, cache)
    compute_cost_with_regularization(A2, Y, parameters, lambd) -> cost
    backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd) -> grads
    update_parameters(parameters, grads, learning_rate) -> parameters
X (n_x, m), Y (1, m), parameters W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1) and grads
dW1, ... — or the seeds' lower-case keys w1, ..., dw1, ... (the file's own text says which).

Points: Forward with dropout 1.0, Regularized cost 0.5, Backward with dropout 1.0, Parameter
update 0.5.

Evidence is this side's. A forward pass's mask is read from the cache it returns (a keep or drop
mask, boolean, 0/1 or scaled by 1/keep_prob, per element or per unit, or the post-dropout
activation): a claim, believed only where it reproduces the forward's own A2 (a plain reply)
through A2 = sigmoid(W2 (A1 * D / keep_prob) + b2), A1 = tanh(W1 X + b1) computed here from the
parameters this side set, and only for the hidden activations whose keep or drop A2 shows
(`informative`: decided from those values alone, so which activations count never depends on the
mask). Whatever cannot be observed counts as unobserved, never as kept; a check whose evidence is
too small for its bound fails, saying what could not be observed.

Calls nobody can tell apart. Every forward pass of every check is drawn from one distribution
(`draw_scenario`: 1-4 inputs, 1-10 hidden units, 1-32 examples, b1 drawn, fresh values; 1-3 passes
on the same X, the harness updating the parameters in between, as in training) and goes through
the one task "forward". There are no separate mask studies: every pass of the forward check counts
toward its pooled statistics (Evidence: the fraction dropped, in every unit, example, value range,
keep_prob, shape and pass; the number dropped per pass; agreements within a mask at every offset;
between the passes on one input and between passes of one shape), so a forward that misbehaves on
any share of the calls worth the name fails, whatever it conditions on.

Backward is judged against the contract's gradient given the forward's own mask, so a forward bug
(say, no 1/keep_prob) does not cost the backward part as well; it earns credit only where the
forward's masks, observed as above, are genuine (else it fails closed, pointing at the forward).
The update is judged on drawn gradients.

Real use (training.py). Those calls hand the functions fresh copies, reseed NumPy before every pass
and draw at most 32 examples; the seeds' model() seeds once and loops forward, cost, backward, update,
handing each the very objects the last returned, the same X every time, on X (2, 200). A function can
tell the two apart, so each part has a second check on the worker's task "train", which runs that loop
(RUNS: one as the seeds train, 21 drawn with 2 inputs mostly, 1-20 hidden units, 1-256 examples, 10-30
iterations, keep_prob 0.5-0.95, and two of 100 iterations) and reports, per iteration, A2, the cache's
arrays of a mask's shape, the gradients and the parameters returned: claims, made once per grading (a
fact the three checks share). Each function is judged given what it was handed in the loop: iteration
i's mask is read and believed as above given the parameters update returned at i - 1 (this side's own at
i = 1), the gradients must be the contract's given that mask at those parameters (Backward), the
parameters returned those handed in minus learning_rate times those gradients (Update): together the
run's parameters evolve as the contract says, and a function that misbehaves in the loop costs its own
part. The masks of every run are judged by TrainingEvidence's three bounds (Forward): the fraction dropped
in every group (every iteration; iteration 1, 2, 3-5, ..., 31+; batch sizes, hidden units, keep_prob), two
iterations in a row agreeing as independent draws do, no mask of a run coming back; each fails closed.
A function that raises in the loop costs its part; a loop that stops leaves the later functions
unjudged there (their own checks still judge them).
"""
from ...grading.parts import Check, Part, false_alarm_budget
from .backward import backward_matches_torch
from .cache_masks import (CACHE_CANDIDATES, EXACT, contract_gradients, hidden_activation, informative,  # noqa: F401
                          keep_masks, mask_readings, output_given_mask, sigmoid)
from .cost import CostScenario, cost_matches_torch  # noqa: F401 - a replay line imports * from this package
from .evidence import GROUPS, N_GROUPS, Evidence  # noqa: F401
from .forward import FORWARD_SCENARIOS, forward_matches_torch  # noqa: F401
from .observed import ForwardPass, _Tally  # noqa: F401
from .replay import replay, replay_forward, replay_training  # noqa: F401
from .scenarios import SEEDS, NetScenario, draw_scenario, net_arrays, net_scenarios  # noqa: F401
from .solution import model_solution  # noqa: F401
from .training import (RUNS, TrainingEvidence, TrainingRun, backward_in_training,  # noqa: F401
                       forward_in_training, update_in_training)
from .update import update_matches
from .worker import NAME, TASKS, load_submission  # noqa: F401 - the worker half, also run in process

SUBMISSION = "two_layer_net.py at the top"

PARTS = (
    Part("Forward with dropout", 1.0, (
        Check("A2 matches torch with the mask drawn; the masks drop 1 - keep_prob, fresh and independent",
              forward_matches_torch, bounds=Evidence.BOUNDS),
        Check("in training as model() runs it (seeded once, its own objects passed back), the masks drop "
              "1 - keep_prob, fresh at every iteration", forward_in_training, bounds=TrainingEvidence.BOUNDS),
    )),
    Part("Regularized cost", 0.5, (
        Check("the regularized cost matches torch", cost_matches_torch),
    )),
    Part("Backward with dropout", 1.0, (
        Check("gradients match torch through the forward pass's mask", backward_matches_torch, bounds=2),
        Check("in training, the gradients are the contract's given each iteration's mask", backward_in_training),
    )),
    Part("Parameter update", 0.5, (
        Check("updates match W - learning_rate * dW", update_matches),
        Check("in training, every update is W - learning_rate * dW", update_in_training),
    )),
)

FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
