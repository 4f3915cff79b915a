"""Sliding windows over NCHW images, shared by Conv2d and MaxPool2d.

`windows` is im2col without the copy: a strided view (N, C, Ho, Wo, kh, kw) whose element
[n, c, i, j, p, q] is x[n, c, i*sh + p, j*sw + q]. `add_windows` is its adjoint (col2im): it sums
window gradients back onto the image, one vectorized add per kernel offset (kh*kw of them), so
no Python loop ever runs over examples or pixels.
"""
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pair(name, value, minimum=1):
    """An int or a pair of ints (torch's convention for kernel_size, stride, padding) -> (int, int)."""
    values = value if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum
                               for v in values):
        raise ValueError(f"{name} must be an integer >= {minimum} or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def output_size(size, kernel, stride):
    """Windows of `kernel` at `stride` that fit in `size` (torch's floor rule, no ceil_mode)."""
    return (size - kernel) // stride + 1


def windows(x, kernel, stride):
    """x: (N, C, H, W) -> read-only view (N, C, Ho, Wo, kh, kw) of every window, Ho = (H - kh) // sh + 1."""
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def add_windows(d_windows, image_shape, stride):
    """Adjoint of `windows`: d_windows (N, C, Ho, Wo, kh, kw) -> dx (N, C, H, W), overlaps summed."""
    n, c, ho, wo, kh, kw = d_windows.shape
    sh, sw = stride
    dx = np.zeros(image_shape, dtype=d_windows.dtype)
    for p in range(kh):      # kh * kw strided adds, each over every example, channel and window
        for q in range(kw):
            dx[:, :, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += d_windows[..., p, q]
    return dx
