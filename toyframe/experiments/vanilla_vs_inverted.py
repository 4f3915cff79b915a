"""Vanilla vs inverted dropout (seed 002): the same expected output, scaled at different times.

With a mask m of independent Bernoulli(keep) elements:
    vanilla:  train h * m,         test h * keep   (scale at test time)
    inverted: train h * m / keep,  test h          (scale at training time; cs231n's and torch's)
Either way E[train output] = test output, element by element, and so is every linear function of
it (the next layer's pre-activation). Two things the figure shows beside that: through a further
nonlinearity the rule is only approximate (E[relu(z)] >= relu(E[z])), and mixing the schemes (a
net trained with vanilla dropout, tested without the keep factor) is off by 1 / keep.
"""
import dataclasses
from typing import Callable

import numpy as np

from . import _report
from ..functional import dropout_forward


def vanilla_train(h, mask, keep):
    return h * mask


def vanilla_test(h, keep):
    return h * keep


def inverted_train(h, mask, keep):
    return h * mask / keep


def inverted_test(h, keep):
    return h


@dataclasses.dataclass(frozen=True)
class Scheme:
    train: Callable  # (h, mask, keep) -> the training-time output
    test: Callable   # (h, keep) -> the test-time output


SCHEMES = {"vanilla": Scheme(vanilla_train, vanilla_test), "inverted": Scheme(inverted_train, inverted_test)}
# The mistake the figure warns about: vanilla at training time, no keep factor at test time.
MIXED = Scheme(vanilla_train, inverted_test)
MIXED_NAME = "vanilla, unscaled test (wrong)"
# The bound reference.core.statistics uses for the harness; restated here because toyframe never imports the harness.
# Each mean of `samples` training outputs in a range of width w lands within
# w * sqrt(ln(2 / FALSE_ALARM) / (2 samples)) of its expectation but with probability FALSE_ALARM (Hoeffding).
FALSE_ALARM = 1e-12


def hoeffding_radius(width, samples):
    return width * np.sqrt(np.log(2.0 / FALSE_ALARM) / (2.0 * samples))


def exact_expectation(scheme, h, keep):
    """E over every mask of scheme.train(h, mask, keep), h: (k,) with k <= 16, summed over all 2^k masks."""
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 1 or h.size > 16:
        raise ValueError(f"h must be a vector of at most 16 elements (2^k masks are summed), got shape {h.shape}")
    masks = (np.arange(2 ** h.size)[:, None] >> np.arange(h.size)) & 1  # (2^k, k): every mask once
    kept = masks.sum(axis=1)
    probability = keep ** kept * (1.0 - keep) ** (h.size - kept)  # (2^k,)
    return probability @ scheme.train(h, masks, keep)


@dataclasses.dataclass
class Result:
    keep: float
    samples: int
    hidden_test: dict      # scheme name -> test-time hidden output, (N, H)
    hidden_mean: dict      # scheme name -> mean training-time hidden output over the samples, (N, H)
    next_test: dict        # ... the next layer's pre-activation z = out @ W2 + b2, (N, C)
    next_mean: dict
    relu_test: dict        # ... relu(z)
    relu_mean: dict
    radius: dict           # scheme name -> Hoeffding radius of each hidden mean, (N, H); 0 where h = 0

    def worst_deviation(self, name):
        """max |mean - test| / Hoeffding radius over the hidden outputs: <= 1 unless the rule is wrong.

        Where h = 0 every output is 0 and the radius is 0: any deviation there counts as infinite.
        """
        deviation = np.abs(self.hidden_mean[name] - self.hidden_test[name])
        radius = self.radius[name]
        scaled = np.divide(deviation, radius, out=np.where(deviation > 0, np.inf, 0.0), where=radius > 0)
        return float(scaled.max())

    def ratio(self, name):
        """sum of the mean training-time hidden outputs / sum of the test-time ones: 1 when they agree."""
        return float(self.hidden_mean[name].sum() / self.hidden_test[name].sum())

    def relative_gap(self, name, layer):
        """max |mean - test| / max |test| over one layer's outputs ("hidden", "next" or "relu")."""
        mean, test = getattr(self, f"{layer}_mean")[name], getattr(self, f"{layer}_test")[name]
        return float(np.max(np.abs(mean - test)) / np.max(np.abs(test)))


@_report.one_thread()
def run(keep=0.6, batch=8, inputs=6, hidden=16, classes=4, samples=4000, seed=0, progress=_report.SILENT):
    """A ReLU layer's output h: (batch, hidden) passes through dropout, then z = out @ W2 + b2: (batch, classes).

    Every scheme sees the same masks (the same `samples` draws); the inverted scheme's training
    outputs come from toyframe.functional.dropout_forward itself.
    """
    if not 0.0 < keep < 1.0:
        raise ValueError(f"keep must be in (0, 1) (keep 1 is no dropout), got {keep}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, inputs))
    W1, b1 = rng.standard_normal((inputs, hidden)) / np.sqrt(inputs), 0.1 * rng.standard_normal(hidden)
    W2, b2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden), 0.1 * rng.standard_normal(classes)
    h = np.maximum(x @ W1 + b1, 0.0)
    np.random.seed(seed)  # dropout_forward draws from NumPy's global RNG
    progress(f"drawing {samples} dropout masks (keep {keep}) for {batch} x {hidden} hidden outputs")
    inverted = np.stack([dropout_forward(h, {"p": keep, "mode": "train"})[0] for _ in range(samples)])
    masks = inverted != 0  # (samples, N, H): the masks dropout_forward drew
    relu = lambda z: np.maximum(z, 0.0)
    schemes = {**SCHEMES, MIXED_NAME: MIXED}
    fields = {name: {} for name in ("hidden_test", "hidden_mean", "next_test", "next_mean", "relu_test",
                                    "relu_mean", "radius")}
    for name, scheme in schemes.items():
        train_outputs = inverted if scheme.train is inverted_train else scheme.train(h, masks, keep)
        test_output = scheme.test(h, keep)
        next_train, next_test = train_outputs @ W2 + b2, test_output @ W2 + b2
        values = {"hidden_test": test_output, "hidden_mean": train_outputs.mean(axis=0),
                  "next_test": next_test, "next_mean": next_train.mean(axis=0),
                  "relu_test": relu(next_test), "relu_mean": relu(next_train).mean(axis=0),
                  # each training output lies between 0 and its value under an all-kept mask
                  "radius": hoeffding_radius(np.abs(scheme.train(h, np.ones_like(h), keep)), samples)}
        for field, value in values.items():
            fields[field][name] = value
        progress(f"{name}: mean training output / test output = {values['hidden_mean'].sum() / test_output.sum():.4f}")
    return Result(keep=keep, samples=samples, **fields)


TABLE_HEADERS = ("scheme", "h: sum mean / sum test", "h: gap", "h: gap / radius", "z: gap", "relu(z): gap")


def table_rows(result):
    """gap: max |mean training-time output - test-time output| / max |test-time output|."""
    return [(name, result.ratio(name), result.relative_gap(name, "hidden"), result.worst_deviation(name),
             result.relative_gap(name, "next"), result.relative_gap(name, "relu")) for name in result.hidden_test]


def plot(result):
    figure, axes = _report.new_figure(3, width_per_panel=4.4, height=4.4)
    markers = {"vanilla": "o", "inverted": "x"}
    panels = (("hidden", "Dropout's output h"), ("next", "Next layer: z = out W2 + b2"),
              ("relu", "After a further ReLU: relu(z)"))
    for ax, (layer, title) in zip(axes, panels):
        test_values, mean_values = getattr(result, f"{layer}_test"), getattr(result, f"{layer}_mean")
        for name in result.hidden_test:
            ax.scatter(test_values[name].ravel(), mean_values[name].ravel(), s=14, alpha=0.7,
                       marker=markers.get(name, "^"), label=name)
        everything = np.concatenate([v.ravel() for v in (*test_values.values(), *mean_values.values())])
        low, high = everything.min(), everything.max()
        ax.plot([low, high], [low, high], "k:", linewidth=1, label="mean = test")
        ax.set(title=title, xlabel="test-time output", ylabel=f"mean training-time output ({result.samples} masks)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    figure.suptitle(f"Vanilla vs inverted dropout, keep {result.keep:g}: same expectation, different scaling time")
    return figure


def main(argv=None):
    parser = _report.argument_parser("vanilla-vs-inverted", __doc__.splitlines()[0])
    parser.add_argument("--keep", type=float, default=0.6, help="keep probability in (0, 1) (default %(default)s)")
    parser.add_argument("--samples", type=_report.positive_int, default=4000, help="masks drawn (default %(default)s)")
    args = parser.parse_args(argv)
    if not 0.0 < args.keep < 1.0:
        parser.error(f"--keep must be in (0, 1), got {args.keep}")
    result = run(keep=args.keep, samples=args.samples, seed=args.seed,
                 progress=_report.Progress("vanilla-vs-inverted", quiet=args.quiet))
    _report.finish(f"Mean training-time output against test-time output, keep {args.keep:g}, {args.samples} masks",
                   TABLE_HEADERS, table_rows(result), plot(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
