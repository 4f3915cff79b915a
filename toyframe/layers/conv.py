"""2-D convolution (cross-correlation, as torch.nn.Conv2d) on NCHW images, by im2col."""
import numpy as np

from .. import _checks
from .windows import add_windows, output_size, pair, windows


class Conv2d:
    """out[n, o, i, j] = b[o] + sum_{c, p, q} W[o, c, p, q] * xpad[n, c, i*sh + p, j*sw + q].

    weights: (out_channels, in_channels, kh, kw), torch's `weight` layout, drawn as randn(...) * 0.05
    bias:    (out_channels,),                      torch's `bias` layout,   drawn as randn(out) * 0.05, after the weights
    Both come from NumPy's global RNG unless `rng` (a numpy.random.Generator) is given, as for Linear.
    kernel_size, stride and padding are an int or a pair (height, width); padding is zeros on every side.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, rng=None,
                 dtype=np.float64):
        in_channels = _checks.positive_int("in_channels", in_channels)
        out_channels = _checks.positive_int("out_channels", out_channels)
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride = pair("stride", stride)
        self.padding = pair("padding", padding, minimum=0)
        rng = _checks.generator("rng", rng)
        draw = np.random.randn if rng is None else (lambda *shape: rng.standard_normal(shape))
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype must be a floating-point dtype, got {dtype}")
        self.weights = (draw(out_channels, in_channels, *self.kernel_size) * 0.05).astype(dtype)
        self.bias = (draw(out_channels) * 0.05).astype(dtype) if bias else None
        self.cols = None          # cache: the input's windows as columns, (C*kh*kw, N*Ho*Wo): dL/dW = g cols^T
        self.padded_shape = None  # cache: the zero-padded input's shape, (N, C, H + 2ph, W + 2pw): for dL/dx
        self.bias_grad = None     # dL/db of the last backward call, (out_channels,)

    def __call__(self, x):
        """x: (N, C_in, H, W) -> out: (N, C_out, Ho, Wo), Ho = (H + 2ph - kh) // sh + 1 (likewise Wo)."""
        x = _checks.float_array("x", x, ndim=4)
        out_channels, in_channels, kh, kw = self.weights.shape
        (ph, pw), (sh, sw) = self.padding, self.stride
        if x.shape[1] != in_channels:
            raise ValueError(f"x must have shape (N, {in_channels}, H, W) for this Conv2d, got {x.shape}")
        if x.shape[2] + 2 * ph < kh or x.shape[3] + 2 * pw < kw:
            raise ValueError(f"x's padded image (H + 2*{ph}, W + 2*{pw}) must be at least the kernel ({kh}, {kw}), "
                             f"got x of shape {x.shape}")
        padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        n, ho, wo = x.shape[0], output_size(padded.shape[2], kh, sh), output_size(padded.shape[3], kw, sw)
        # (N, C, Ho, Wo, kh, kw) -> rows (c, p, q), the weights' own order, and columns (n, i, j): the copy
        # then runs along image rows, several times faster than one window per row
        self.cols = windows(padded, (kh, kw), (sh, sw)).transpose(1, 4, 5, 0, 2, 3).reshape(-1, n * ho * wo)
        self.padded_shape = padded.shape
        self.bias_grad = None
        out = self.weights.reshape(out_channels, -1) @ self.cols  # (C_out, N*Ho*Wo)
        if self.bias is not None:
            out += self.bias[:, None]
        return out.reshape(out_channels, n, ho, wo).transpose(1, 0, 2, 3)  # a view: NCHW indexing, CNHW memory

    def grad(self, in_gradient, input_grad=True):
        """in_gradient: dL/dout (N, C_out, Ho, Wo) -> (dL/dW: (C_out, C_in, kh, kw), dL/dx: (N, C_in, H, W), or
        None if not input_grad). dL/db, (C_out,), is kept in `self.bias_grad`."""
        if self.cols is None:
            raise RuntimeError("Conv2d.grad was called before the layer was called on an input")
        g = _checks.float_array("in_gradient", in_gradient, ndim=4)
        out_channels, in_channels, kh, kw = self.weights.shape
        n, _, hp, wp = self.padded_shape
        ho, wo = output_size(hp, kh, self.stride[0]), output_size(wp, kw, self.stride[1])
        _checks.same_shape("in_gradient", g, (n, out_channels, ho, wo), "(N, out_channels, Ho, Wo)")
        g_cols = g.transpose(1, 0, 2, 3).reshape(out_channels, -1)  # (C_out, N*Ho*Wo), columns as in cols
        if self.bias is not None:
            self.bias_grad = g_cols.sum(axis=1)
        d_weights = (g_cols @ self.cols.T).reshape(self.weights.shape)
        if not input_grad:
            return d_weights, None
        d_cols = self.weights.reshape(out_channels, -1).T @ g_cols  # (C*kh*kw, N*Ho*Wo)
        d_windows = d_cols.reshape(in_channels, kh, kw, n, ho, wo).transpose(3, 0, 4, 5, 1, 2)
        d_padded = add_windows(d_windows, self.padded_shape, self.stride)
        (ph, pw) = self.padding
        return d_weights, d_padded[:, :, ph:hp - ph, pw:wp - pw]

    def get_type(self):
        return "layer"

    def __repr__(self):
        out_channels, in_channels, _, _ = self.weights.shape
        return (f"Conv2d({in_channels}, {out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, bias={self.bias is not None})")
