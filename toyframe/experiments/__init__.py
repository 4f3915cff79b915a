"""Experiments that show dropout and weight penalties at work, each a command with a table and a PNG.

    toyframe-experiment NAME [options]        (or: python -m toyframe.experiments NAME [options])

NAME: regularization (cs231n, keep 1 vs 0.25 on digits or a CIFAR-10 folder), overfitting (seed
002's noisy line, toyframe beside torch), xor (seeds 000/001's quadrant net: plain, L2, dropout),
vanilla-vs-inverted (seed 002: same expectation, different scaling time), lenet (seed 000's LeNet with
and without dropout, toyframe beside torch from the same weights, on digits or a CIFAR-10 folder). `--help` after a name
lists its options. Needs the `experiments` extra (matplotlib, scikit-learn).
"""
EXPERIMENTS = {
    "regularization": "toyframe.experiments.regularization",
    "overfitting": "toyframe.experiments.overfitting",
    "xor": "toyframe.experiments.xor_quadrants",
    "vanilla-vs-inverted": "toyframe.experiments.vanilla_vs_inverted",
    "lenet": "toyframe.experiments.lenet",
}
