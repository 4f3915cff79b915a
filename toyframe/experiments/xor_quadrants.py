"""The quadrant ("XOR") problem of seeds 000 and 001, done right: a 2-n_h-1 tanh/sigmoid net.

A point x = (x0, x1) is labelled 1 when x0 * x1 > 0 (first and third quadrants), else 0.
Three nets start from the same weights and see the same data: plain, with an L2 penalty, and
with inverted dropout on the hidden layer. Each is trained by full-batch gradient descent.

Column-major, as in the seeds: one example per COLUMN.
    X (2, m), Y (1, m), W1 (n_h, 2), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1)
    Z1 = W1 X + b1, A1 = tanh(Z1), A1_dropped = A1 * D1 / keep_prob,
    Z2 = W2 A1_dropped + b2, A2 = sigmoid(Z2)
    cost = mean binary cross-entropy + lambd / (2 m) * (sum W1^2 + sum W2^2)

Run: python -m toyframe.experiments.xor_quadrants --out figures/xor.png
"""
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from toyframe import _checks
from toyframe.experiments import _report

N_INPUTS, N_OUTPUTS = 2, 1


def check_keep_prob(keep_prob):
    """keep_prob: the probability that a hidden unit is KEPT, in (0, 1]; 1 means no dropout."""
    return _checks.keep_probability("keep_prob", keep_prob)


def check_lambd(lambd):
    """lambd: the L2 penalty coefficient, >= 0; 0 means no penalty."""
    return _checks.non_negative("lambd", lambd)


def check_learning_rate(learning_rate):
    return _checks.positive("learning_rate", learning_rate)


# ----------------------------------------------------------------------------- data

def quadrant_labels(X):
    """X (2, m) -> Y (1, m): 1.0 where x0 * x1 > 0 (same signs), else 0.0."""
    return (X[0] * X[1] > 0).astype(np.float64).reshape(1, -1)


def make_data(m=200, seed=1, m_test=1000):
    """The seeds' data set and a held-out test set from the same distribution.

    -> X (2, m), Y (1, m), X_test (2, m_test), Y_test (1, m_test).
    X holds the numbers of `np.random.seed(seed); np.random.randn(2, m)` (seed 1: the seeds' set),
    drawn from a RandomState of its own so that NumPy's global RNG is left untouched; the test
    points are that RandomState's next draws, so no test point is a training point.
    """
    m, m_test = _checks.positive_int("m", m), _checks.positive_int("m_test", m_test)
    state = np.random.RandomState(seed)
    X = state.randn(N_INPUTS, m)
    X_test = state.randn(N_INPUTS, m_test)
    return X, quadrant_labels(X), X_test, quadrant_labels(X_test)


# ----------------------------------------------------------------------------- the net

def initialize_parameters(n_x, n_h, n_y, rng):
    """rng: numpy.random.Generator -> {"W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1)}.

    Weights ~ N(0, 1 / fan_in) (LeCun's scale for tanh), not the seeds' N(0, 0.01^2): at 0.01 every
    tanh unit works in its linear range, so the net is nearly linear in x and cannot tell the
    quadrants apart, and each layer's gradient carries a factor of the other layer's tiny weights.
    Training then sits on a plateau at ln 2 = 0.693 (with these correct gradients and a learning
    rate of 1 it is still 0.64 after 200 steps; the seeds' 100 steps of 0.01 never leave it). At
    1 / sqrt(fan_in) each unit starts in tanh's curved range, neither linear nor saturated: the cost
    is ~0.2 after 100 steps. Biases start at zero; the random weights already break the symmetry
    between hidden units.
    """
    n_x, n_h, n_y = (_checks.positive_int(name, value) for name, value in (("n_x", n_x), ("n_h", n_h), ("n_y", n_y)))
    return {"W1": rng.standard_normal((n_h, n_x)) / math.sqrt(n_x), "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((n_y, n_h)) / math.sqrt(n_h), "b2": np.zeros((n_y, 1))}


def sigmoid(z):
    """1 / (1 + e^-z) as exp(-log(1 + e^-z)): no overflow for any z, accurate at both tails."""
    return np.exp(-np.logaddexp(0.0, -z))


class Cache(NamedTuple):
    """What backward needs from the forward pass (m examples, n_h hidden units)."""
    A1: np.ndarray          # (n_h, m) tanh(Z1) BEFORE dropout: tanh' = 1 - A1^2 needs it
    D1: np.ndarray          # (n_h, m) bool, True where the unit is kept
    A1_dropped: np.ndarray  # (n_h, m) A1 * D1 / keep_prob: what the output layer saw
    A2: np.ndarray          # (1, m) predicted probability of label 1


def forward(X, parameters, keep_prob, rng):
    """X (2, m) -> A2 (1, m) = P(y = 1 | x), Cache.

    Inverted dropout on the hidden layer: each of the n_h * m hidden activations is kept with
    probability keep_prob (its own draw: D1 = rng.random(A1.shape) < keep_prob) and scaled by
    1 / keep_prob, so its expected value is unchanged and nothing has to be rescaled at test time.
    keep_prob = 1: no dropout (D1 all True) and rng is not used (None is fine).
    """
    keep_prob = check_keep_prob(keep_prob)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    D1 = rng.random(A1.shape) < keep_prob if keep_prob < 1.0 else np.ones(A1.shape, dtype=bool)
    A1_dropped = A1 * D1 / keep_prob
    Z2 = parameters["W2"] @ A1_dropped + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, Cache(A1, D1, A1_dropped, A2)


def weight_norm(parameters):
    """sum W1^2 + sum W2^2: what the L2 penalty charges for (the biases are not penalised)."""
    return float(np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))


def cost(A2, Y, parameters, lambd):
    """A2, Y (1, m) -> the scalar mean binary cross-entropy + lambd / (2 m) * (sum W1^2 + sum W2^2).

    A2 is kept inside [smallest normal float, largest float below 1] before the logs: a sigmoid
    that rounds to exactly 0 or 1 would give log(0) = -inf (and 0 * -inf = nan). Elsewhere the
    clip changes nothing.
    """
    lambd = check_lambd(lambd)
    m = Y.shape[1]
    float64 = np.finfo(np.float64)
    A2 = np.clip(A2, float64.tiny, 1.0 - float64.epsneg)
    cross_entropy = -np.mean(Y * np.log(A2) + (1.0 - Y) * np.log1p(-A2))
    return float(cross_entropy + lambd / (2 * m) * weight_norm(parameters))


def backward(cache, X, Y, parameters, lambd, keep_prob):
    """The gradients of `cost` for the forward pass that made `cache` (same mask D1).

    cache: Cache; X (2, m); Y (1, m) -> {"dW1" (n_h, 2), "db1" (n_h, 1), "dW2" (1, n_h), "db2" (1, 1)}.
    No input is modified.
    """
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    m = X.shape[1]
    W1, W2 = parameters["W1"], parameters["W2"]
    dZ2 = cache.A2 - Y                               # d cross-entropy / d Z2 per example: sigmoid' cancels
    dW2 = dZ2 @ cache.A1_dropped.T / m + lambd / m * W2
    db2 = dZ2.mean(axis=1, keepdims=True)
    dA1_dropped = W2.T @ dZ2
    dA1 = dA1_dropped * cache.D1 / keep_prob        # the same mask and scale as the forward pass:
                                                    # a dropped unit passes no gradient back
    dZ1 = dA1 * (1.0 - cache.A1 ** 2)               # tanh'(Z1) = 1 - tanh(Z1)^2: the PRE-dropout A1
    dW1 = dZ1 @ X.T / m + lambd / m * W1
    db1 = dZ1.mean(axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update(parameters, grads, learning_rate):
    """One gradient-descent step: each parameter minus learning_rate times its gradient (new arrays)."""
    return {name: value - learning_rate * grads["d" + name] for name, value in parameters.items()}


def predict(X, parameters):
    """X (2, m) -> labels (1, m) of 0.0 / 1.0: probability > 0.5. No dropout: inverted dropout's
    1 / keep_prob scaling during training already makes the test-time net the plain one."""
    A2, _ = forward(X, parameters, 1.0, None)
    return (A2 > 0.5).astype(np.float64)


def accuracy(X, Y, parameters):
    """X (2, m), Y (1, m) -> the fraction of the m points labelled correctly."""
    return float(np.mean(predict(X, parameters) == Y))


# ----------------------------------------------------------------------------- training

@dataclass
class History:
    iterations: np.ndarray  # (k,) the iterations at which the cost was recorded
    costs: np.ndarray       # (k,) the cost of that iteration's training pass (its own dropout mask)


def train(X, Y, n_h, lambd, keep_prob, learning_rate, num_iterations, seed, progress=_report.SILENT, label="model"):
    """Full-batch gradient descent from initialize_parameters(2, n_h, 1, default_rng(seed)).

    X (2, m), Y (1, m) -> (parameters, History). The same seed gives the same initial weights
    whatever lambd and keep_prob are: the weights are drawn first, the dropout masks after them.
    The cost is recorded about 100 times, the first and last iterations included; a progress line
    every 25th record (about every quarter of the run) and at the last.
    """
    n_h = _checks.positive_int("n_h", n_h)
    num_iterations = _checks.positive_int("num_iterations", num_iterations)
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    learning_rate = check_learning_rate(learning_rate)
    rng = np.random.default_rng(seed)
    parameters = initialize_parameters(N_INPUTS, n_h, N_OUTPUTS, rng)
    record_every = max(1, num_iterations // 100)
    iterations, costs = [], []
    for iteration in range(num_iterations):
        A2, cache = forward(X, parameters, keep_prob, rng)
        last = iteration == num_iterations - 1
        if iteration % record_every == 0 or last:
            iterations.append(iteration)
            costs.append(cost(A2, Y, parameters, lambd))
            if len(costs) % 25 == 1 or last:
                progress(f"{label}: iteration {iteration:>5}, cost {costs[-1]:.4f}")
        grads = backward(cache, X, Y, parameters, lambd, keep_prob)
        parameters = update(parameters, grads, learning_rate)
    return parameters, History(np.array(iterations), np.array(costs))


@dataclass
class ModelResult:
    name: str
    lambd: float
    keep_prob: float
    parameters: dict
    history: History
    train_accuracy: float
    test_accuracy: float
    weight_norm: float  # sum W1^2 + sum W2^2 after training


@dataclass
class Result:
    X: np.ndarray       # (2, m) training points
    Y: np.ndarray       # (1, m)
    X_test: np.ndarray  # (2, m_test) held-out points
    Y_test: np.ndarray  # (1, m_test)
    models: list        # [ModelResult] plain, L2, dropout


@_report.one_thread()
def run(n_h=20, lambd=0.7, keep_prob=0.86, learning_rate=1.0, num_iterations=2000, m=200, m_test=1000,
        seed=0, data_seed=1, progress=_report.SILENT):
    """Trains the plain, L2 (lambd) and dropout (keep_prob) nets on the same data from the same
    initial weights (seed); the data: make_data(m, data_seed, m_test). -> Result."""
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    X, Y, X_test, Y_test = make_data(m, data_seed, m_test)
    models = []
    for name, model_lambd, model_keep_prob in (("plain", 0.0, 1.0), ("L2", lambd, 1.0),
                                               ("dropout", 0.0, keep_prob)):
        parameters, history = train(X, Y, n_h, model_lambd, model_keep_prob, learning_rate, num_iterations, seed,
                                    progress, label=name)
        models.append(ModelResult(name, model_lambd, model_keep_prob, parameters, history,
                                  accuracy(X, Y, parameters), accuracy(X_test, Y_test, parameters),
                                  weight_norm(parameters)))
    return Result(X, Y, X_test, Y_test, models)


# ----------------------------------------------------------------------------- report

def plot(result, grid_points=200):
    """One panel per model: its predicted P(y = 1) over the plane, the 0.5 boundary and the training
    points; a last panel: every model's training cost against the iteration. -> Figure."""
    figure, axes = _report.new_figure(len(result.models) + 1, width_per_panel=4.4, height=4.6)
    low, high = result.X.min() - 0.5, result.X.max() + 0.5
    x0, x1 = np.meshgrid(np.linspace(low, high, grid_points), np.linspace(low, high, grid_points))
    grid = np.stack([x0.ravel(), x1.ravel()])  # (2, grid_points^2): one column per grid point
    label_1 = result.Y.ravel() == 1
    for ax, model in zip(axes, result.models):
        probability = forward(grid, model.parameters, 1.0, None)[0].reshape(x0.shape)
        filled = ax.contourf(x0, x1, probability, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(x0, x1, probability, levels=[0.5], colors="black", linewidths=1.2)
        # White-edged points stand out on either colour of the map.
        ax.scatter(*result.X[:, label_1], c="firebrick", s=14, edgecolors="white", linewidths=0.5, label="y = 1")
        ax.scatter(*result.X[:, ~label_1], c="navy", s=14, edgecolors="white", linewidths=0.5, label="y = 0")
        ax.set(title=f"{model.name} (lambda {model.lambd:g}, keep_prob {model.keep_prob:g})\n"
                     f"accuracy: train {model.train_accuracy:.1%}, test {model.test_accuracy:.1%}",
               xlabel="x0", ylabel="x1", xlim=(low, high), ylim=(low, high), aspect="equal")
    axes[0].legend(title="training points", loc="lower left", fontsize="small")
    figure.colorbar(filled, ax=axes[:len(result.models)], label="predicted P(y = 1)  (black line: 0.5)", shrink=0.8)
    cost_axes = axes[-1]
    for model in result.models:
        cost_axes.plot(model.history.iterations, model.history.costs, label=model.name)
    cost_axes.set(title="training cost\n(dropout: of each step's masked pass)", xlabel="iteration",
                  ylabel="cross-entropy + lambda/(2m) sum W^2", yscale="log")
    cost_axes.legend()
    n_h = result.models[0].parameters["W1"].shape[0]
    figure.suptitle(f"Labels y = [x0 * x1 > 0] learnt by a 2-{n_h}-1 tanh/sigmoid net: {result.X.shape[1]} "
                    f"training points, accuracy on {result.X_test.shape[1]} held-out points")
    return figure


def main(argv=None):
    parser = _report.argument_parser(
        "xor", "Quadrant (XOR) labels with a 2-n_h-1 tanh/sigmoid net: plain vs L2 vs inverted dropout. "
               "--seed seeds the initial weights and the dropout masks; --data-seed the data.")
    parser.add_argument("--hidden", type=_report.positive_int, default=20,
                        help="hidden units n_h (default: %(default)s)")
    parser.add_argument("--iterations", type=_report.positive_int, default=2000,
                        help="full-batch gradient descent steps (default: %(default)s)")
    parser.add_argument("--learning-rate", type=_report.checked_option(check_learning_rate), default=1.0,
                        help="step size, > 0 (default: %(default)s)")
    parser.add_argument("--lambd", type=_report.checked_option(check_lambd), default=0.7,
                        help="L2 coefficient of the L2 model, >= 0 (default: %(default)s)")
    parser.add_argument("--keep-prob", type=_report.checked_option(check_keep_prob), default=0.86,
                        help="keep probability of the dropout model, in (0, 1] (default: %(default)s)")
    parser.add_argument("--examples", type=_report.positive_int, default=200,
                        help="training points m (default: %(default)s, as in the seeds)")
    parser.add_argument("--test-examples", type=_report.positive_int, default=1000,
                        help="held-out points (default: %(default)s)")
    parser.add_argument("--data-seed", type=int, default=1,
                        help="seed of the data draw (default: %(default)s, the seeds' np.random.seed(1))")
    args = parser.parse_args(argv)
    result = run(n_h=args.hidden, lambd=args.lambd, keep_prob=args.keep_prob, learning_rate=args.learning_rate,
                 num_iterations=args.iterations, m=args.examples, m_test=args.test_examples, seed=args.seed,
                 data_seed=args.data_seed, progress=_report.Progress("xor", quiet=args.quiet))
    headers = ["model", "lambda", "keep_prob", "final cost", "train acc", "test acc", "sum W^2"]
    rows = [[model.name, model.lambd, model.keep_prob, float(model.history.costs[-1]), model.train_accuracy,
             model.test_accuracy, model.weight_norm] for model in result.models]
    title = (f"Quadrant labels, n_h = {args.hidden}, {args.iterations} full-batch steps of {args.learning_rate:g}, "
             f"{args.examples} training and {args.test_examples} held-out points")
    _report.finish(title, headers, rows, plot(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
