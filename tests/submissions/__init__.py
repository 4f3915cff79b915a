"""Submission folders as a course receives them (layers/Dropout.py, layers/L2regularization.py),
written by tests into temporary directories: correct ones and hostile ones."""
import textwrap
from pathlib import Path

CORRECT_DROPOUT = '''
import numpy as np


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"
'''

CORRECT_L2 = '''
import numpy as np


class L2regularization:
    def __init__(self, layer, coefficient=0.01):
        self.layer, self.coefficient = layer, coefficient
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        d_weights, d_x = self.layer.grad(in_gradient)
        return d_weights + 2 * self.coefficient * self.weights, d_x

    def get_type(self):
        return "layer"
'''


def write_submission(directory, dropout=CORRECT_DROPOUT, l2=CORRECT_L2, nested=True):
    """A submission folder in `directory`: layers/*.py (or both files at the top); returns its path."""
    folder = Path(directory) / ("layers" if nested else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dropout.py").write_text(textwrap.dedent(dropout))
    (folder / "L2regularization.py").write_text(textwrap.dedent(l2))
    return Path(directory)
