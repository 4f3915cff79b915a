"""Max pooling over NCHW images (torch.nn.MaxPool2d without padding, dilation or ceil_mode)."""
import numpy as np

from .. import _checks
from ..activations import Activation
from .windows import add_windows, pair, windows


class MaxPool2d(Activation):
    """out[n, c, i, j] = max_{p, q} x[n, c, i*sh + p, j*sw + q]; stride defaults to kernel_size.

    Parameter-free, so an "activation" to Model. The gradient goes to the first maximum of each
    window in row-major order (torch's choice on ties); overlapping windows add their gradients.
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else pair("stride", stride)
        self.argmax = None       # cache: where each window's maximum sits, (N, C, Ho, Wo), index p*kw + q
        self.input_shape = None  # cache: (N, C, H, W)

    def __call__(self, x):
        """x: (N, C, H, W) -> out: (N, C, Ho, Wo), Ho = (H - kh) // sh + 1 (likewise Wo)."""
        x = _checks.float_array("x", x, ndim=4)
        kh, kw = self.kernel_size
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(f"x must be at least the kernel ({kh}, {kw}) in height and width, got shape {x.shape}")
        view = windows(x, self.kernel_size, self.stride)  # (N, C, Ho, Wo, kh, kw), no copy
        taps = [view[..., p, q] for p in range(kh) for q in range(kw)]  # kh*kw strided (N, C, Ho, Wo) views
        out = taps[0].copy()
        for tap in taps[1:]:  # elementwise maxima over the taps: no copy of the windows
            np.maximum(out, tap, out=out)
        self.argmax = np.zeros((*out.shape, 1), dtype=np.intp)
        for index in reversed(range(len(taps))):  # the lowest index equal to the maximum wins, as in torch
            np.putmask(self.argmax[..., 0], taps[index] == out, index)
        self.input_shape = x.shape
        return out

    def grad(self, in_gradient):
        """in_gradient: dL/dout (N, C, Ho, Wo) -> dL/dx (N, C, H, W), nonzero only at each window's maximum."""
        if self.argmax is None:
            raise RuntimeError("MaxPool2d.grad was called before the layer was called")
        g = _checks.float_array("in_gradient", in_gradient, ndim=4)
        _checks.same_shape("in_gradient", g, self.argmax.shape[:4], "the shape of the last output")
        kh, kw = self.kernel_size
        d_windows = np.zeros((*g.shape, kh * kw), dtype=g.dtype)
        np.put_along_axis(d_windows, self.argmax, g[..., None], axis=-1)
        return add_windows(d_windows.reshape(*g.shape, kh, kw), self.input_shape, self.stride)

    def __repr__(self):
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride})"
