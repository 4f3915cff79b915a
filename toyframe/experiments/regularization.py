"""cs231n's dropout experiment: the same net with keep 1 (no dropout) and keep 0.25, on 500 training images.

FullyConnectedNet([500]) trained by Solver with Adam (lr 5e-4, batch 100); train and validation
accuracy per epoch. Data, offline: scikit-learn's bundled handwritten digits (8x8 images, 1797 of
them), or a local CIFAR-10 folder (`--cifar10 DIR`, python batches). What it should show: dropout
lowers training accuracy and keeps validation accuracy equal or higher, a narrower train-val gap.
"""
import dataclasses

import numpy as np

from . import _report
from ..data_utils import get_CIFAR10_data
from ..fc_net import FullyConnectedNet
from ..solver import Solver

KEEP_PROBABILITIES = (1.0, 0.25)
# cs231n's weight scale 1e-2 on CIFAR-10 (3072 raw pixels, std about 64) makes first-layer
# pre-activations of std about 35; on the digits (64 pixels, std 4.3) 1e-2 gives 0.35, a net too
# smooth to overfit 500 images in 25 epochs (measured: dropout then changes nothing). 1e-1 gives
# 3.5, a regime where the net overfits and dropout's effect shows (val +0.5 to +2.8 points, seeds 0-3).
WEIGHT_SCALE = {"digits": 1e-1, "CIFAR-10": 1e-2}


def digits_data(num_training=500, seed=0):
    """scikit-learn's digits, shuffled: num_training rows to train on, all the remaining rows to validate on.

    X: (N, 64) pixel intensities 0..16 minus the training mean (raw, as cs231n feeds CIFAR); y: (N,) in 0..9.
    """
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    if not 1 <= num_training < len(images):
        raise ValueError(f"num_training must be in 1..{len(images) - 1} (the digits hold {len(images)}), "
                         f"got {num_training}")
    order = np.random.default_rng(seed).permutation(len(images))
    X, y = images[order], labels[order].astype(np.int64)
    X = X - X[:num_training].mean(axis=0)
    return {"X_train": X[:num_training], "y_train": y[:num_training],
            "X_val": X[num_training:], "y_val": y[num_training:]}


def cifar10_data(root, num_training=500, num_validation=1000):
    """cs231n's small CIFAR-10 set: the first num_training training images, the next num_validation."""
    data = get_CIFAR10_data(root, num_training=num_training, num_validation=num_validation, num_test=0)
    return {key: data[key] for key in ("X_train", "y_train", "X_val", "y_val")}


@dataclasses.dataclass
class Result:
    dataset: str
    keep_probabilities: tuple
    train_accuracy: dict  # keep -> [accuracy at epoch 0, 1, ..., num_epochs]
    val_accuracy: dict

    def gap(self, keep):
        """Final training accuracy minus final validation accuracy."""
        return self.train_accuracy[keep][-1] - self.val_accuracy[keep][-1]


@_report.one_thread()
def run(data, dataset="digits", keep_probabilities=KEEP_PROBABILITIES, hidden=500, num_epochs=25,
        learning_rate=5e-4, batch_size=100, weight_scale=None, seed=0, progress=_report.SILENT):
    """Trains one net per keep probability, each from the same initial weights and minibatch order.

    data: {X_train: (N, ...), y_train: (N,), X_val, y_val}; weight_scale None: WEIGHT_SCALE[dataset].
    """
    weight_scale = WEIGHT_SCALE.get(dataset, 1e-2) if weight_scale is None else weight_scale
    train_accuracy, val_accuracy = {}, {}
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    for keep in keep_probabilities:
        np.random.seed(seed)  # same weights and minibatches for every keep: only dropout differs
        model = FullyConnectedNet([hidden], input_dim=input_dim, num_classes=10, dropout=keep,
                                  weight_scale=weight_scale, dtype=np.float64)
        solver = Solver(model, data, num_epochs=num_epochs, batch_size=batch_size, update_rule="adam",
                        optim_config={"learning_rate": learning_rate}, num_train_samples=None, verbose=False)
        progress(f"keep {keep}: training {num_epochs} epochs on {len(data['X_train'])} {dataset} images")
        solver.train()
        train_accuracy[keep], val_accuracy[keep] = solver.train_acc_history, solver.val_acc_history
        progress(f"keep {keep}: final train accuracy {train_accuracy[keep][-1]:.3f}, "
                 f"validation {val_accuracy[keep][-1]:.3f}")
    return Result(dataset, tuple(keep_probabilities), train_accuracy, val_accuracy)


TABLE_HEADERS = ("keep", "train acc", "val acc", "best val acc", "train - val")


def table_rows(result):
    return [(f"{keep:g}", result.train_accuracy[keep][-1], result.val_accuracy[keep][-1], max(result.val_accuracy[keep]),
             result.gap(keep)) for keep in result.keep_probabilities]


def plot(result):
    figure, (train_axes, val_axes) = _report.new_figure(2)
    for axes, history, title in ((train_axes, result.train_accuracy, "Training accuracy"),
                                 (val_axes, result.val_accuracy, "Validation accuracy")):
        for keep in result.keep_probabilities:
            axes.plot(range(len(history[keep])), history[keep], "o-", markersize=3, label=f"keep {keep:g}")
        axes.set(title=f"{title} ({result.dataset})", xlabel="epoch", ylabel="accuracy")
        axes.grid(alpha=0.3)
        axes.legend(loc="lower right")
    return figure


def main(argv=None):
    parser = _report.argument_parser("regularization", __doc__.splitlines()[0])
    parser.add_argument("--cifar10", metavar="DIR", help="a local CIFAR-10 folder (python batches) instead of digits")
    parser.add_argument("--epochs", type=_report.positive_int, default=25)
    parser.add_argument("--train", type=_report.positive_int, default=500, help="training images (default 500)")
    parser.add_argument("--val", type=_report.positive_int, default=1000,
                        help="CIFAR-10 validation images (default 1000; the digits validate on all the remaining images)")
    parser.add_argument("--hidden", type=_report.positive_int, default=500)
    parser.add_argument("--weight-scale", type=float, help=f"initial weight scale (default {WEIGHT_SCALE})")
    args = parser.parse_args(argv)
    progress = _report.Progress("regularization", quiet=args.quiet)
    if args.cifar10:
        progress(f"loading CIFAR-10 from {args.cifar10}")
        data, dataset = cifar10_data(args.cifar10, num_training=args.train, num_validation=args.val), "CIFAR-10"
    else:
        data, dataset = digits_data(num_training=args.train, seed=args.seed), "digits"
    result = run(data, dataset, hidden=args.hidden, num_epochs=args.epochs, weight_scale=args.weight_scale,
                 seed=args.seed, progress=progress)
    _report.finish(f"Dropout on {dataset}: final accuracies after {args.epochs} epochs",
                   TABLE_HEADERS, table_rows(result), plot(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
