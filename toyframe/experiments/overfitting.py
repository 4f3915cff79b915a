"""Overfitting a noisy line (seed 002): an MLP 1-300-300-1 with and without Dropout(0.5), toyframe beside torch.

20 points y = x + 0.3 N(0, 1) on [-1, 1] to train on, 20 more drawn alike to test on; Adam, MSE,
full batch. Both frameworks start from the same weights (torch's default initialisation, copied
into toyframe), so the nets without dropout follow the same path in both; the dropout nets draw
their own masks. What it should show: without dropout the net chases the noise (training loss
near 0, test loss rising); with dropout the test loss ends lower and the fit lies closer to y = x.

Done right where the seed was not: both nets get the same learning rate (1e-3, the seed's for the
net without dropout; it gave the dropout net 1e-2), and each dropout net is put back in training
mode after every evaluation (the seed left it in eval mode after the first).
"""
import dataclasses
import functools

import numpy as np
import torch

from . import _report
from .. import _checks
from ..layers import Dropout, Linear
from ..activations import ReLU
from ..losses import MSELoss
from ..model import Model
from ..optim import adam
from ..layers.wrapper import innermost

NETS = {"no dropout": 0.0, "dropout 0.5": 0.5}  # name -> drop probability of both hidden layers
FRAMEWORKS = ("toyframe", "torch")


def make_data(n=20, noise=0.3, seed=0):
    """x: (n, 1) evenly spaced on [-1, 1]; y_train, y_test: (n, 1), each x + noise * N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n).reshape(n, 1)
    return {"x": x, "y_train": x + noise * rng.standard_normal((n, 1)), "y_test": x + noise * rng.standard_normal((n, 1))}


def torch_net(drop_p, hidden):
    """Linear(1, h) - [Dropout] - ReLU - Linear(h, h) - [Dropout] - ReLU - Linear(h, 1), float64."""
    block = lambda n_in: [torch.nn.Linear(n_in, hidden), *([torch.nn.Dropout(drop_p)] if drop_p else []), torch.nn.ReLU()]
    return torch.nn.Sequential(*block(1), *block(hidden), torch.nn.Linear(hidden, 1)).double()


def toyframe_net_like(net, drop_p):
    """The toyframe Model with `net`'s current weights; Dropout wraps the Linear whose output it drops."""
    components = []
    for module in net:
        if isinstance(module, torch.nn.Linear):
            layer = Linear(module.in_features, module.out_features)
            layer.weights[...] = module.weight.detach().numpy().T  # torch (out, in) -> toyframe (in, out)
            layer.bias[...] = module.bias.detach().numpy()
            components.append(layer)
        elif isinstance(module, torch.nn.Dropout):
            components[-1] = Dropout(components[-1], p=drop_p)
        else:
            components.append(ReLU())
    return Model(components)


class ModelAdam:
    """toyframe.optim.adam applied in place to every weight and bias of a Model, one state per array."""

    def __init__(self, model, learning_rate):
        self.model, self.configs = model, {}
        self.learning_rate = learning_rate

    def step(self, grads):
        for index, d_weights in grads.items():
            layer = innermost(self.model.components[index])
            for name, parameter, gradient in (("weights", layer.weights, d_weights),
                                              ("bias", layer.bias, layer.bias_grad)):
                config = self.configs.setdefault((index, name), {"learning_rate": self.learning_rate})
                parameter[...], _ = adam(parameter, gradient, config)


@dataclasses.dataclass
class Curves:
    """Per epoch: mean squared error on the training and the test points, dropout off."""
    train_loss: list = dataclasses.field(default_factory=list)
    test_loss: list = dataclasses.field(default_factory=list)
    fit: np.ndarray = None  # the final net's prediction on a fine grid of x


def train_toyframe(model, data, epochs, learning_rate, grid):
    loss, optimizer, curves = MSELoss(), ModelAdam(model, learning_rate), Curves()
    for _ in range(epochs):
        model.train()
        loss(model(data["x"]), data["y_train"])
        optimizer.step(model.backward(loss.grad()))
        model.eval()
        prediction = model(data["x"])
        curves.train_loss.append(float(loss(prediction, data["y_train"])))
        curves.test_loss.append(float(loss(prediction, data["y_test"])))
    curves.fit = model(grid)
    return curves


def train_torch(net, data, epochs, learning_rate, grid):
    x, y_train, y_test = (torch.from_numpy(data[key]) for key in ("x", "y_train", "y_test"))
    optimizer, loss, curves = torch.optim.Adam(net.parameters(), lr=learning_rate), torch.nn.MSELoss(), Curves()
    for _ in range(epochs):
        net.train()
        optimizer.zero_grad()
        loss(net(x), y_train).backward()
        optimizer.step()
        net.eval()
        with torch.no_grad():
            prediction = net(x)
            curves.train_loss.append(float(loss(prediction, y_train)))
            curves.test_loss.append(float(loss(prediction, y_test)))
    with torch.no_grad():
        curves.fit = net(torch.from_numpy(grid)).numpy()
    return curves


@dataclasses.dataclass
class Result:
    data: dict
    grid: np.ndarray  # (G, 1)
    curves: dict      # (framework, net name) -> Curves


@_report.one_thread()
def run(data, hidden=300, epochs=500, learning_rate=1e-3, seed=0, progress=_report.SILENT):
    grid = np.linspace(-1.0, 1.0, 200).reshape(-1, 1)
    curves = {}
    for name, drop_p in NETS.items():
        torch.manual_seed(seed)  # the same initial weights for both nets; torch's masks from here on
        net = torch_net(drop_p, hidden)
        model = toyframe_net_like(net, drop_p)
        np.random.seed(seed)  # toyframe's masks
        progress(f"{name}: toyframe, {epochs} epochs of Adam (lr {learning_rate})")
        curves["toyframe", name] = train_toyframe(model, data, epochs, learning_rate, grid)
        progress(f"{name}: torch, {epochs} epochs of Adam (lr {learning_rate})")
        curves["torch", name] = train_torch(net, data, epochs, learning_rate, grid)
        for framework in FRAMEWORKS:
            progress(f"{name}: {framework} final test MSE {curves[framework, name].test_loss[-1]:.4f}")
    return Result(data, grid, curves)


TABLE_HEADERS = ("framework", "net", "train MSE", "test MSE", "best test MSE", "MSE to y = x")


def distance_to_truth(result, curves):
    """Mean squared distance between the final fit and the noise-free line y = x over [-1, 1]."""
    return float(np.mean((curves.fit - result.grid) ** 2))


def table_rows(result):
    return [(framework, name, c.train_loss[-1], c.test_loss[-1], min(c.test_loss), distance_to_truth(result, c))
            for (framework, name), c in result.curves.items()]


def plot(result):
    figure, (fit_axes, train_axes, test_axes) = _report.new_figure(3, width_per_panel=4.6)
    x, data = result.data["x"], result.data
    fit_axes.scatter(x, data["y_train"], s=30, alpha=0.6, color="magenta", label="train points")
    fit_axes.scatter(x, data["y_test"], s=30, alpha=0.6, color="cyan", label="test points")
    colors = {"no dropout": "tab:red", "dropout 0.5": "tab:blue"}
    styles = {"toyframe": "-", "torch": "--"}
    for (framework, name), curves in result.curves.items():
        label = f"{name}, {framework}"
        fit_axes.plot(result.grid, curves.fit, styles[framework], color=colors[name], label=label)
        train_axes.plot(curves.train_loss, styles[framework], color=colors[name], label=label)
        test_axes.plot(curves.test_loss, styles[framework], color=colors[name], label=label)
    fit_axes.set(title="Fits after training", xlabel="x", ylabel="y", ylim=(-2.5, 2.5))
    fit_axes.legend(fontsize=7, loc="upper left")
    for axes, title in ((train_axes, "Training MSE (dropout off)"), (test_axes, "Test MSE")):
        axes.set(title=title, xlabel="epoch", ylabel="mean squared error", yscale="log")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    return figure


def main(argv=None):
    parser = _report.argument_parser("overfitting", __doc__.splitlines()[0])
    parser.add_argument("--epochs", type=_report.positive_int, default=500)
    parser.add_argument("--hidden", type=_report.positive_int, default=300)
    parser.add_argument("--points", type=_report.positive_int, default=20)
    parser.add_argument("--lr", type=_report.checked_option(functools.partial(_checks.positive, "lr")), default=1e-3,
                        help="Adam's learning rate, > 0 (default %(default)s)")
    args = parser.parse_args(argv)
    progress = _report.Progress("overfitting", quiet=args.quiet)
    result = run(make_data(args.points, seed=args.seed), hidden=args.hidden, epochs=args.epochs,
                 learning_rate=args.lr, seed=args.seed, progress=progress)
    _report.finish(f"Overfitting {args.points} noisy points: final losses after {args.epochs} epochs",
                   TABLE_HEADERS, table_rows(result), plot(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
