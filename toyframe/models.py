"""Ready-made models: the seeds' reference nets built from toyframe's components."""
import numpy as np

from . import _checks
from .activations import ReLU
from .layers import Conv2d, Flatten, Linear, MaxPool2d
from .model import Model


def lenet(rng=None, dtype=np.float32, p=0.5):
    """Seed 000's LeNet for (N, 3, 32, 32) images -> (N, 10) logits, in seed order:

        Conv2d(3, 6, 5) - ReLU - MaxPool2d(2, 2) - Conv2d(6, 16, 5) - ReLU - MaxPool2d(2, 2) - Flatten (400)
        - Dropout(Linear(400, 120), p) - ReLU - Dropout(Linear(120, 84), p) - ReLU - Linear(84, 10)

    The seed drops the outputs of fc1 and fc2 BEFORE their ReLU (fc - dropout - relu), which is
    what wrapping those Linears in Dropout does. p is the DROP probability (the seed's 0.5);
    every parameter is drawn from `rng` (or NumPy's global RNG) as each layer draws its own.
    """
    from .layers import Dropout  # the assignment's model solution: loaded on first use (toyframe.layers)

    rng = _checks.generator("rng", rng)
    layer = dict(rng=rng, dtype=dtype)
    return Model([
        Conv2d(3, 6, 5, **layer), ReLU(), MaxPool2d(2, 2),
        Conv2d(6, 16, 5, **layer), ReLU(), MaxPool2d(2, 2), Flatten(),
        Dropout(Linear(16 * 5 * 5, 120, **layer), p=p, rng=rng), ReLU(),
        Dropout(Linear(120, 84, **layer), p=p, rng=rng), ReLU(),
        Linear(84, 10, **layer),
    ])


__all__ = ["lenet"]
