"""The notebook's own checks of the net: its gradient check and its initial loss without dropout."""
import numpy as np

from ...core import tolerances
from ...core.comparator import assert_close
from ...grading.parts import implementation
from .verdicts import _backward_defective, _forward_defects, _forward_honours_seeds, _once
from .worker import NOTEBOOK_KEEPS, NOTEBOOK_SIZES, notebook_data


# The notebook's initial losses at its keep ratios (docs/assignments/cs231n-dropout.md): expected values, never in a worker's view.
NOTEBOOK_LOSSES = (2.3004790897684924, 2.302371489704412, 2.3042759220785896)


def _notebook_gradients_example(runner, scenario, tally=None):
    """scenario: (keep, reg). The notebook's net, its own parameters; analytic against numeric gradients."""
    keep, reg = scenario
    context = (f"\nScenario: the notebook's gradient check, keep ratio {keep:g}, reg {reg:g}, seed 123"
               f"\nReplay: run the notebook's gradient-check cell with reg={reg!r}")
    N, D, H1, H2, C = NOTEBOOK_SIZES
    X, y = notebook_data()
    rng = np.random.default_rng(7)
    shapes = {"W1": (D, H1), "b1": (H1,), "W2": (H1, H2), "b2": (H2,), "W3": (H2, C), "b3": (C,)}
    entries = [(key, int(index)) for key, shape in shapes.items()
               for index in rng.choice(int(np.prod(shape)), size=min(12, int(np.prod(shape))), replace=False)]
    h = 1e-5
    reply = implementation(lambda: runner.call(
        "gradient_check", architecture=([H1, H2], D, C, 5e-2), keep=keep, reg=reg, seed=123, construct_seed=0,
        X=X, y=y, entries=entries, h=h), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("moved"), list) or len(reply["moved"]) != len(entries):
        raise AssertionError(f"the gradient check gave no answer{context}")
    assert_close(reply.get("again"), np.asarray(reply.get("loss"), dtype=np.float64), tolerance=tolerances.ASSIGNMENT,
                 quantity="the loss of a second model.loss(X, y) (seed 123 fixes every mask)", context=context)
    grads = reply.get("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"model.loss(X, y) returned no grads{context}")
    for key in shapes:
        picked = [(index, pair) for (entry, index), pair in zip(entries, reply["moved"]) if entry == key]
        numeric = np.array([(np.asarray(up, dtype=np.float64) - np.asarray(down, dtype=np.float64)) / (2 * h)
                            for _, (up, down) in picked])
        analytic = grads.get(key)
        if not isinstance(analytic, np.ndarray) or analytic.size != int(np.prod(shapes[key])):
            raise AssertionError(f"grads[{key!r}] must be shaped like params[{key!r}] {shapes[key]}{context}")
        assert_close(analytic.reshape(-1)[[index for index, _ in picked]], numeric, tolerance=tolerances.ASSIGNMENT,
                     quantity=f"grads[{key!r}] against the numeric gradient of your own loss (centred, h = 1e-5)",
                     context=context)


def notebook_gradient_check(runner, settings):
    """The notebook's cell: N, D, H1, H2, C = 2, 15, 20, 30, 10, the net's own initial weights, seed 123,
    keep ratios 1, 0.75, 0.5 (and 0.5 with reg 0.7): the loss repeats, and each gradient equals the
    numeric gradient of the submission's own loss at 12 entries of every parameter. With dropout the
    cell needs a dropout_forward that honours its seed and a dropout_backward that is its derivative:
    where either dropout part fails on its own, the cell's dropout runs are not held against the net
    (its keep-1 run still is)."""
    explained = _once(lambda: not _forward_honours_seeds(runner, settings) or _backward_defective(runner, settings)
                      or bool(_forward_defects(runner, settings)))
    for scenario in ((1, 0.0), (0.75, 0.0), (0.5, 0.0), (0.5, 0.7)):
        try:
            _notebook_gradients_example(runner, scenario)
        except AssertionError:
            if scenario[0] == 1 or not explained():
                raise


def notebook_initial_loss(runner, settings):
    """The notebook's initial loss without dropout, 2.3004790897684924 (docs/assignments/cs231n-dropout.md): the weights
    drawn as weight_scale * randn(in, out) in layer order, biases 0. (With dropout the initial losses
    depend on how the masks are drawn, which any correct scheme may do its own way: not graded.)"""
    context = "\nReplay: run the notebook's cell that prints the initial losses for dropout_keep_ratio 1, 0.75, 0.5"
    losses = implementation(lambda: runner.call("notebook_losses"), context)
    if not isinstance(losses, list) or len(losses) != len(NOTEBOOK_KEEPS):
        raise AssertionError(f"the notebook's cell gave no losses{context}")
    assert_close(losses[0], NOTEBOOK_LOSSES[0], tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity="the notebook's initial loss with dropout_keep_ratio 1")
