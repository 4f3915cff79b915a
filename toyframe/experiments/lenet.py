"""Seed 000's LeNet with and without dropout, toyframe beside torch from the same initial weights.

LeNet (toyframe.models.lenet; in torch the seed's net) on images brought to its input (N, 3, 32, 32):
offline, scikit-learn's bundled digits (8x8, 0..16) enlarged 4x by pixel repetition, copied into the
three channels and scaled to [-1, 1] as the seed's Normalize((0.5,)*3, (0.5,)*3) scales CIFAR-10; or a
local CIFAR-10 folder (`--cifar10 DIR`, python batches). Cross-entropy, SGD with momentum 0.9, minibatches
in the same order for both frameworks; each framework draws its own dropout masks. Per epoch: training
loss (the mean over the epoch's batches) and train/validation accuracy with dropout off. What it should
show: the two frameworks' curves lie on each other: without dropout the same numbers for the first epochs,
until float32 rounding differences (different summation orders) have grown into different paths; with
dropout alike, though the masks differ. On the digits (measured, 20 epochs) both nets reach 97-99%
validation accuracy; dropout slows training and leaves a training loss of 0.1 instead of 0.0004.

The seed's learning rate 0.001 needs many CIFAR-10 epochs to leave the initial plateau (its log: loss 2.30
for the first 1000 batches); the default here, 0.01, gets there within the few epochs that fit in a
couple of minutes; `--lr 0.001` is the seed's.
"""
import dataclasses
import functools
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _report
from .. import _checks
from ..layers import innermost
from ..losses import CrossEntropy
from ..models import lenet
from ..optim import SGD

NETS = {"no dropout": 0.0, "dropout 0.5": 0.5}  # name -> the drop probability after fc1 and fc2
FRAMEWORKS = ("toyframe", "torch")
LAYERS = {0: "conv1", 3: "conv2", 7: "fc1", 9: "fc2", 11: "fc3"}  # toyframe component -> torch module


def digits_images(num_training=1200, seed=0):
    """scikit-learn's digits as LeNet input: X (N, 3, 32, 32) float32 in [-1, 1], y (N,) int64, shuffled;
    num_training to train on, every remaining image to validate on."""
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    if not 1 <= num_training < len(images):
        raise ValueError(f"num_training must be in 1..{len(images) - 1} (the digits hold {len(images)}), "
                         f"got {num_training}")
    order = np.random.default_rng(seed).permutation(len(images))
    pixels = images[order].reshape(-1, 1, 8, 8) / 16.0                   # 0..16 -> [0, 1]
    enlarged = pixels.repeat(4, axis=2).repeat(4, axis=3).repeat(3, axis=1)  # (N, 3, 32, 32)
    X, y = ((enlarged - 0.5) / 0.5).astype(np.float32), labels[order].astype(np.int64)
    return {"X_train": X[:num_training], "y_train": y[:num_training],
            "X_val": X[num_training:], "y_val": y[num_training:]}


def cifar10_images(root, num_training=5000, num_validation=1000):
    """The first num_training CIFAR-10 training images and the next num_validation, normalized as the seed does."""
    from ..data_utils import load_CIFAR10

    X, y, _, _ = load_CIFAR10(root)
    X = ((X.transpose(0, 3, 1, 2) / 255.0 - 0.5) / 0.5).astype(np.float32)  # NHWC 0..255 -> NCHW [-1, 1]
    end = num_training + num_validation
    return {"X_train": X[:num_training], "y_train": y[:num_training].astype(np.int64),
            "X_val": X[num_training:end], "y_val": y[num_training:end].astype(np.int64)}


class SeedLeNet(nn.Module):
    """Seed 000's LeNet, dropout after fc1 and fc2 and before their ReLU."""

    def __init__(self, drop_p):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.drop1, self.drop2 = nn.Dropout(drop_p), nn.Dropout(drop_p)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2).view(-1, 400)
        x = F.relu(self.drop1(self.fc1(x)))
        return self.fc3(F.relu(self.drop2(self.fc2(x))))


def toyframe_lenet_like(net, drop_p, seed):
    """toyframe's LeNet (float32) holding `net`'s weights: Conv2d as they are, Linear transposed."""
    model = lenet(rng=np.random.default_rng(seed), dtype=np.float32, p=drop_p)
    for index, name in LAYERS.items():
        layer, module = innermost(model.components[index]), getattr(net, name)
        weight = module.weight.detach().numpy()
        layer.weights[...] = weight.T if name.startswith("fc") else weight
        layer.bias[...] = module.bias.detach().numpy().reshape(layer.bias.shape)
    return model


class ProgressBar:
    """One line per epoch, redrawn in place as the batches go by: `[lenet] label epoch 3/15 [#####-----] 20/40`."""

    def __init__(self, progress, label, epoch, epochs, batches, width=24):
        self.progress, self.label, self.epoch, self.epochs, self.batches, self.width = (
            progress, label, epoch, epochs, batches, width)

    def show(self, done, end="\r"):
        if self.progress.quiet:
            return
        filled = self.width * done // self.batches
        stream = self.progress.stream or sys.stderr
        print(f"[{self.progress.name}] {self.label}: epoch {self.epoch}/{self.epochs} "
              f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.batches}", end=end, file=stream, flush=True)


@dataclasses.dataclass
class Curves:
    train_loss: list = dataclasses.field(default_factory=list)  # mean minibatch loss of each epoch (dropout on)
    train_accuracy: list = dataclasses.field(default_factory=list)  # after each epoch, dropout off
    val_accuracy: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def batches(n, batch_size, epochs, seed):
    """The minibatch index arrays of every epoch: a fresh shuffle per epoch, shared by both frameworks."""
    rng = np.random.default_rng(seed)
    return [np.array_split(order, range(batch_size, n, batch_size)) for order in
            (rng.permutation(n) for _ in range(epochs))]


def accuracy(predict, X, y, batch_size=500):
    return float(np.mean(np.concatenate([predict(X[i:i + batch_size]).argmax(axis=1)
                                         for i in range(0, len(X), batch_size)]) == y))


def train_toyframe(model, data, schedule, lr, momentum, bar):
    loss_of, optimizer, curves = CrossEntropy(), SGD(model, lr=lr, momentum=momentum), Curves()
    start = time.perf_counter()
    for epoch, epoch_batches in enumerate(schedule, start=1):
        model.train()
        losses = []
        for done, rows in enumerate(epoch_batches, start=1):
            losses.append(float(loss_of(model(data["X_train"][rows]), data["y_train"][rows])))
            optimizer.step(model.backward(loss_of.grad()))
            bar(epoch).show(done)
        model.eval()
        curves.train_loss.append(float(np.mean(losses)))
        curves.train_accuracy.append(accuracy(model, data["X_train"], data["y_train"]))
        curves.val_accuracy.append(accuracy(model, data["X_val"], data["y_val"]))
        bar(epoch).show(len(epoch_batches), end=f"  loss {curves.train_loss[-1]:.3f}, "
                                                f"val {curves.val_accuracy[-1]:.3f}\n")
    curves.seconds = time.perf_counter() - start
    return curves


def train_torch(net, data, schedule, lr, momentum, bar):
    X, y = torch.from_numpy(data["X_train"]), torch.from_numpy(data["y_train"])
    optimizer, curves = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum), Curves()

    def predict(images):
        with torch.no_grad():
            return net(torch.from_numpy(images)).numpy()

    start = time.perf_counter()
    for epoch, epoch_batches in enumerate(schedule, start=1):
        net.train()
        losses = []
        for done, rows in enumerate(epoch_batches, start=1):
            optimizer.zero_grad()
            loss = F.cross_entropy(net(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            bar(epoch).show(done)
        net.eval()
        curves.train_loss.append(float(np.mean(losses)))
        curves.train_accuracy.append(accuracy(predict, data["X_train"], data["y_train"]))
        curves.val_accuracy.append(accuracy(predict, data["X_val"], data["y_val"]))
        bar(epoch).show(len(epoch_batches), end=f"  loss {curves.train_loss[-1]:.3f}, "
                                                f"val {curves.val_accuracy[-1]:.3f}\n")
    curves.seconds = time.perf_counter() - start
    return curves


@dataclasses.dataclass
class Result:
    dataset: str
    epochs: int
    curves: dict  # (framework, net name) -> Curves


@_report.one_thread()
def run(data, dataset="digits", epochs=12, batch_size=32, lr=0.01, momentum=0.9, seed=0, progress=_report.SILENT):
    schedule = batches(len(data["X_train"]), batch_size, epochs, seed)
    curves = {}
    for name, drop_p in NETS.items():
        torch.manual_seed(seed)  # the same initial weights for both nets and both frameworks
        net = SeedLeNet(drop_p)
        model = toyframe_lenet_like(net, drop_p, seed)
        np.random.seed(seed)  # toyframe's masks; torch draws its own from here on
        for framework, train, target in (("toyframe", train_toyframe, model), ("torch", train_torch, net)):
            bar = functools.partial(ProgressBar, progress, f"{name}, {framework}", epochs=epochs,
                                    batches=len(schedule[0]))
            curves[framework, name] = train(target, data, schedule, lr, momentum, lambda epoch: bar(epoch=epoch))
    return Result(dataset, epochs, curves)


TABLE_HEADERS = ("framework", "net", "train loss", "train acc", "val acc", "best val acc", "seconds")


def table_rows(result):
    return [(framework, name, c.train_loss[-1], c.train_accuracy[-1], c.val_accuracy[-1], max(c.val_accuracy),
             f"{c.seconds:.1f}") for (framework, name), c in result.curves.items()]


def plot(result):
    figure, (loss_axes, train_axes, val_axes) = _report.new_figure(3, width_per_panel=4.6)
    colors = {"no dropout": "tab:red", "dropout 0.5": "tab:blue"}
    styles = {"toyframe": "-", "torch": "--"}
    epochs = np.arange(1, result.epochs + 1)
    for (framework, name), curves in result.curves.items():
        label = f"{name}, {framework}"
        for axes, values in ((loss_axes, curves.train_loss), (train_axes, curves.train_accuracy),
                             (val_axes, curves.val_accuracy)):
            axes.plot(epochs, values, styles[framework], color=colors[name], label=label)
    for axes, title, ylabel in ((loss_axes, "Training loss (mean over the epoch)", "cross-entropy"),
                                (train_axes, "Training accuracy (dropout off)", "accuracy"),
                                (val_axes, "Validation accuracy", "accuracy")):
        axes.set(title=f"{title}, {result.dataset}", xlabel="epoch", ylabel=ylabel)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    return figure


def main(argv=None):
    parser = _report.argument_parser("lenet", __doc__.splitlines()[0])
    parser.add_argument("--cifar10", metavar="DIR", help="a local CIFAR-10 folder (python batches) instead of digits")
    parser.add_argument("--train", type=_report.positive_int, default=None,
                        help="training images (default: 1200 digits, or 5000 CIFAR-10 images)")
    parser.add_argument("--val", type=_report.positive_int, default=1000,
                        help="CIFAR-10 validation images (default 1000; the digits validate on all remaining images)")
    parser.add_argument("--epochs", type=_report.positive_int, default=12)
    parser.add_argument("--batch-size", type=_report.positive_int, default=32, help="the seed's 32 (default)")
    parser.add_argument("--lr", type=_report.checked_option(functools.partial(_checks.positive, "lr")), default=0.01,
                        help="SGD's learning rate, > 0 (default %(default)s; the seed's is 0.001)")
    parser.add_argument("--momentum", type=_report.checked_option(functools.partial(_checks.non_negative, "momentum")),
                        default=0.9, help="SGD's momentum (default: the seed's %(default)s)")
    args = parser.parse_args(argv)
    progress = _report.Progress("lenet", quiet=args.quiet)
    if args.cifar10:
        data, dataset = cifar10_images(args.cifar10, args.train or 5000, args.val), "CIFAR-10"
    else:
        data, dataset = digits_images(args.train or 1200, seed=args.seed), "digits 32x32x3"
    result = run(data, dataset, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
                 seed=args.seed, progress=progress)
    _report.finish(f"LeNet on {dataset} ({len(data['X_train'])} training images): after {args.epochs} epochs",
                   TABLE_HEADERS, table_rows(result), plot(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
