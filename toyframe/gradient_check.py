"""Numerical gradients by central differences, and cs231n's relative error."""
import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """d f(x) / d x for a scalar-valued f, by central differences; x is perturbed in place and restored."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        above = f(x)
        x[index] = original - h
        below = f(x)
        x[index] = original
        grad[index] = (above - below) / (2 * h)
        if verbose:
            print(index, grad[index])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """The gradient of sum(f(x) * df) with respect to x, for an array-valued f (df: dL/df)."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        above = np.array(f(x), dtype=np.float64)
        x[index] = original - h
        below = np.array(f(x), dtype=np.float64)
        x[index] = original
        grad[index] = np.sum((above - below) * df) / (2 * h)
    return grad


def rel_error(x, y):
    """max |x - y| / max(1e-8, |x| + |y|), elementwise."""
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
