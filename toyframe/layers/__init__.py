"""Layers: Linear and the wrappers students write (Dropout, L2regularization) plus L1regularization."""
from .dropout import Dropout
from .linear import Linear
from .regularization import L1regularization, L2regularization
from .wrapper import LayerWrapper, innermost, wrapped_chain

__all__ = ["Linear", "Dropout", "L2regularization", "L1regularization", "LayerWrapper", "innermost", "wrapped_chain"]
