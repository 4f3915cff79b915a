"""toyframe: a small NumPy deep-learning framework with the course skeleton's API."""
from . import activations, layers, losses, model
from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Linear
from .losses import CrossEntropy, MSELoss
from .model import Model

__all__ = ["activations", "layers", "losses", "model", "Linear", "Conv2d", "MaxPool2d", "Flatten", "Dropout",
           "Dropout2d", "L2regularization", "L1regularization", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "CrossEntropy",
           "MSELoss", "Model"]


def __getattr__(name):
    # Dropout, Dropout2d, L2regularization, L1regularization: loaded on first use (see toyframe.layers)
    if name in layers.LAZY_MODULES:
        return getattr(layers, name)
    raise AttributeError(f"module 'toyframe' has no attribute {name!r}")
