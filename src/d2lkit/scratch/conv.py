"""Convolutions and pooling from scratch (d2l 7.2-7.5).

Torch counterparts: ``torch.nn.functional.conv2d`` (``nn.Conv2d``) for
``corr2d``, ``Conv2D``, ``conv2d``, ``corr2d_multi_in``,
``corr2d_multi_in_out`` and ``corr2d_multi_in_out_1x1``;
``torch.nn.functional.max_pool2d`` / ``avg_pool2d`` for ``pool2d``.

Like torch's "convolution", these are cross-correlations: the kernel is not
flipped. ``corr2d`` and the multi-channel helpers are the book's, loop over
output positions and all. ``conv2d`` and ``pool2d`` add what the book leaves
to ``nn.Conv2d`` (batch, padding, stride) and so loop over the k_h * k_w
kernel offsets instead, each step one strided slice of the whole batch: the
same sum, in a handful of tensor operations rather than one per output.
``pool2d`` keeps the book's stride of 1 by default (torch's default stride
is the window size) and its average counts the zero padding, as torch's
default ``count_include_pad=True`` does; the book's has no padding.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "Conv2D",
    "conv2d",
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "pool2d",
]

IntPair = int | tuple[int, int]


def _pair(v: IntPair) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """The book's 2-D cross-correlation: each output is a window of X times K, summed.

    Args:
        X: input, (H, W).
        K: kernel, (k_h, k_w).

    Returns:
        (H - k_h + 1, W - k_w + 1).
    """
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype, device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    """The book's single-channel convolutional layer: ``corr2d`` plus a scalar bias."""

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corr2d(x, self.weight) + self.bias


def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Several input channels: cross-correlate each with its own kernel, then add them up.

    X is (C_in, H, W), K is (C_in, k_h, k_w); returns (H', W').
    """
    return torch.stack([corr2d(x, k) for x, k in zip(X, K, strict=True)]).sum(dim=0)


def corr2d_multi_in_out(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Several output channels: one multi-input kernel per output channel, stacked.

    X is (C_in, H, W), K is (C_out, C_in, k_h, k_w); returns (C_out, H', W').
    """
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution is a fully connected layer applied at every pixel: one matmul.

    X is (C_in, H, W), K is (C_out, C_in, 1, 1); returns (C_out, H, W).
    """
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)  # (C_out, H * W)
    return Y.reshape(c_o, h, w)


def _out_size(padded: int, kernel: int, stride: int) -> int:
    # d2l 7.3: floor((n + 2p - k + s) / s) windows fit, with padded = n + 2p
    return (padded - kernel) // stride + 1


def _window(
    X: torch.Tensor, a: int, b: int, out: tuple[int, int], stride: tuple[int, int]
) -> torch.Tensor:
    """The input values that kernel offset (a, b) meets at every output position."""
    (oh, ow), (sh, sw) = out, stride
    return X[..., a : a + sh * (oh - 1) + 1 : sh, b : b + sw * (ow - 1) + 1 : sw]  # (..., oh, ow)


def conv2d(
    X: torch.Tensor,
    K: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    padding: IntPair = 0,
    stride: IntPair = 1,
) -> torch.Tensor:
    """Batched multi-channel cross-correlation with zero padding and stride, as ``F.conv2d``.

    Args:
        X: input, (B, C_in, H, W).
        K: kernels, (C_out, C_in, k_h, k_w).
        bias: one per output channel, (C_out,), or None.
        padding: zeros added on each side, of height and width.
        stride: step between windows, in height and width.

    Returns:
        (B, C_out, H_out, W_out), H_out = floor((H - k_h + 2 p_h) / s_h) + 1.
    """
    (kh, kw), (ph, pw), st = K.shape[-2:], _pair(padding), _pair(stride)
    X = F.pad(X, (pw, pw, ph, ph))  # (B, C_in, H + 2 p_h, W + 2 p_w)
    out = (_out_size(X.shape[-2], kh, st[0]), _out_size(X.shape[-1], kw, st[1]))
    Y = X.new_zeros((X.shape[0], K.shape[0], *out))  # (B, C_out, H_out, W_out)
    for a in range(kh):
        for b in range(kw):
            # every window's (a, b) entry times every kernel's (a, b) weight, summed over C_in
            Y = Y + torch.einsum("bihw,oi->bohw", _window(X, a, b, out, st), K[:, :, a, b])
    if bias is not None:
        Y = Y + bias.reshape(1, -1, 1, 1)
    return Y


def pool2d(
    X: torch.Tensor,
    pool_size: IntPair,
    mode: Literal["max", "avg"] = "max",
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
) -> torch.Tensor:
    """Max or average over each window, channel by channel, as ``F.max_pool2d`` / ``avg_pool2d``.

    Args:
        X: input, (..., H, W): a matrix as in the book, or (B, C, H, W).
        pool_size: window height and width.
        mode: "max" or "avg".
        stride: step between windows; 1 by default, as in the book (torch's default
            is the window size).
        padding: added on each side, -inf for max (never chosen), 0 for avg.

    Returns:
        (..., H_out, W_out).
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    (kh, kw), (ph, pw) = _pair(pool_size), _pair(padding)
    st = _pair(stride)
    fill = float("-inf") if mode == "max" else 0.0
    X = F.pad(X, (pw, pw, ph, ph), value=fill)
    out = (_out_size(X.shape[-2], kh, st[0]), _out_size(X.shape[-1], kw, st[1]))
    windows = torch.stack(
        [_window(X, a, b, out, st) for a in range(kh) for b in range(kw)]
    )  # (kh * kw, ..., oh, ow)
    return windows.amax(dim=0) if mode == "max" else windows.mean(dim=0)
