"""Layers: Linear and the wrappers students write (Dropout, L2regularization) plus L1regularization.

The wrappers are the assignment's model solution: they are imported on first use, so a process
that never asks for them (the grading worker running a student's own) never holds them.
"""
import importlib

from .linear import Linear
from .wrapper import LayerWrapper, innermost, wrapped_chain

SOLUTION_MODULES = {"Dropout": "dropout", "L2regularization": "regularization", "L1regularization": "regularization"}

__all__ = ["Linear", "Dropout", "L2regularization", "L1regularization", "LayerWrapper", "innermost", "wrapped_chain"]


def __getattr__(name):
    if name not in SOLUTION_MODULES:
        raise AttributeError(f"module 'toyframe.layers' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{SOLUTION_MODULES[name]}", __name__), name)
