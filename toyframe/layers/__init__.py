"""Layers: Linear, Conv2d, the parameter-free MaxPool2d and Flatten, and the wrappers students write
(Dropout, L2regularization) plus L1regularization and Dropout2d.

The wrappers are the assignment's model solution: they are imported on first use, so a process
that never asks for them (the grading worker running a student's own) never holds them.
"""
import importlib

from .linear import Linear
from .wrapper import LayerWrapper, innermost, wrapped_chain

SOLUTION_MODULES = {"Dropout": "dropout", "L2regularization": "regularization", "L1regularization": "regularization",
                    "Dropout2d": "dropout2d"}
# The convolutional layers, imported on first use too: a grading worker's view holds the skeleton alone.
LAZY_MODULES = {**SOLUTION_MODULES, "Conv2d": "conv", "Flatten": "flatten", "MaxPool2d": "pooling"}

__all__ = ["Linear", "Conv2d", "MaxPool2d", "Flatten", "Dropout", "Dropout2d", "L2regularization", "L1regularization",
           "LayerWrapper", "innermost", "wrapped_chain"]


def __getattr__(name):
    if name not in LAZY_MODULES:
        raise AttributeError(f"module 'toyframe.layers' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{LAZY_MODULES[name]}", __name__), name)
