"""scratch convolutions and pooling equal F.conv2d / max_pool2d / avg_pool2d, with gradients."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-5)  # float32; up to C_in * k_h * k_w products summed in another order
SEEDS = [0, 1, 2]


def _grads(fn, *tensors: torch.Tensor, G: torch.Tensor | None = None):
    """fn's output and the gradients of (output * G).sum() with respect to every input."""
    leaves = [t.clone().requires_grad_(True) for t in tensors]
    Y = fn(*leaves)
    Y.backward(torch.ones_like(Y) if G is None else G)
    return Y.detach(), [t.grad for t in leaves]


def _assert_same(ours, theirs) -> None:
    torch.testing.assert_close(ours[0], theirs[0], **TOL)
    for a, b in zip(ours[1], theirs[1], strict=True):
        torch.testing.assert_close(a, b, **TOL)


def test_corr2d_reproduces_the_books_example():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    assert scratch.corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]


@pytest.mark.parametrize(
    ("x_shape", "k_shape"), [((3, 3), (2, 2)), ((6, 8), (1, 2)), ((7, 5), (3, 3))]
)
@pytest.mark.parametrize("seed", SEEDS)
def test_corr2d_matches_torch_conv2d_in_value_and_gradient(x_shape, k_shape, seed):
    g = torch.Generator().manual_seed(seed)
    X, K = torch.randn(x_shape, generator=g), torch.randn(k_shape, generator=g)
    ours = _grads(scratch.corr2d, X, K)
    theirs = _grads(lambda x, k: F.conv2d(x[None, None], k[None, None])[0, 0], X, K)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_conv2d_module_is_corr2d_plus_bias_like_torch(seed):
    torch.manual_seed(seed)
    layer = scratch.Conv2D((1, 2))
    with torch.no_grad():
        layer.bias.fill_(0.3)
    X = torch.randn(6, 8)
    expected = F.conv2d(X[None, None], layer.weight[None, None], layer.bias)[0, 0]
    torch.testing.assert_close(layer(X), expected, **TOL)


@pytest.mark.parametrize(("c_in", "c_out", "size", "k"), [(2, 1, 3, 2), (3, 2, 5, 3), (4, 3, 6, 1)])
@pytest.mark.parametrize("seed", SEEDS)
def test_multi_channel_corr2d_matches_torch_conv2d(c_in, c_out, size, k, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c_in, size, size, generator=g)
    K = torch.randn(c_out, c_in, k, k, generator=g)
    torch_in = _grads(lambda x, w: F.conv2d(x[None], w[:1])[0, 0], X, K[:1])
    _assert_same(_grads(lambda x, w: scratch.corr2d_multi_in(x, w[0]), X, K[:1]), torch_in)
    torch_in_out = _grads(lambda x, w: F.conv2d(x[None], w)[0], X, K)
    _assert_same(_grads(scratch.corr2d_multi_in_out, X, K), torch_in_out)


@pytest.mark.parametrize(("c_in", "c_out", "h", "w"), [(3, 2, 3, 3), (5, 4, 6, 7)])
@pytest.mark.parametrize("seed", SEEDS)
def test_1x1_convolution_is_a_matmul_equal_to_torch_conv2d(c_in, c_out, h, w, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c_in, h, w, generator=g)
    K = torch.randn(c_out, c_in, 1, 1, generator=g)
    ours = _grads(scratch.corr2d_multi_in_out_1x1, X, K)
    _assert_same(ours, _grads(lambda x, k: F.conv2d(x[None], k)[0], X, K))
    _assert_same(ours, _grads(scratch.corr2d_multi_in_out, X, K))


CONV_CASES = [  # (B, C_in, C_out, H, W, (k_h, k_w), padding, stride)
    (1, 1, 1, 8, 8, (3, 3), 1, 1),  # d2l 7.3: padding 1 keeps 8 x 8
    (2, 3, 4, 8, 8, (5, 3), (2, 1), 1),
    (2, 2, 3, 8, 8, (3, 3), 1, 2),  # stride 2 halves
    (3, 1, 2, 8, 7, (3, 5), (0, 1), (3, 4)),  # the book's odd example
    (2, 4, 5, 6, 6, (1, 1), 0, 1),  # 1x1
]


@pytest.mark.parametrize(("b", "c_in", "c_out", "h", "w", "k", "padding", "stride"), CONV_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_conv2d_with_padding_and_stride_matches_torch_in_value_and_gradient(
    b, c_in, c_out, h, w, k, padding, stride, seed
):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(b, c_in, h, w, generator=g)
    K = torch.randn(c_out, c_in, *k, generator=g)
    bias = torch.randn(c_out, generator=g)
    ours = _grads(
        lambda x, kk, bb: scratch.conv2d(x, kk, bb, padding=padding, stride=stride), X, K, bias
    )
    theirs = _grads(
        lambda x, kk, bb: F.conv2d(x, kk, bb, padding=padding, stride=stride), X, K, bias
    )
    _assert_same(ours, theirs)


def test_conv2d_output_shape_follows_the_books_formula():
    X = torch.zeros(1, 1, 8, 8)
    assert scratch.conv2d(X, torch.zeros(1, 1, 3, 5), padding=(0, 1), stride=(3, 4)).shape[-2:] == (
        2,
        2,
    )
    assert scratch.conv2d(X, torch.zeros(1, 1, 3, 3), padding=1, stride=2).shape[-2:] == (4, 4)


def test_pool2d_reproduces_the_books_example():
    X = torch.arange(9.0).reshape(3, 3)
    assert scratch.pool2d(X, (2, 2)).tolist() == [[4.0, 5.0], [7.0, 8.0]]
    assert scratch.pool2d(X, (2, 2), "avg").tolist() == [[2.0, 3.0], [5.0, 6.0]]


POOL_CASES = [  # (input shape, pool_size, stride, padding)
    ((3, 3), (2, 2), 1, 0),  # the book's pool2d on a matrix
    ((1, 1, 4, 4), 3, 3, 0),  # torch's default stride: the window
    ((2, 3, 4, 4), 3, 2, 1),  # d2l 7.5 padding and stride
    ((2, 2, 6, 7), (2, 3), (2, 3), (0, 1)),
    ((1, 2, 5, 5), 2, 1, 1),
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(("shape", "pool_size", "stride", "padding"), POOL_CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_pool2d_matches_torch_pooling_in_value_and_gradient(
    mode, shape, pool_size, stride, padding, seed
):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(shape, generator=g)  # continuous values: no ties for max to break
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    ours = _grads(lambda x: scratch.pool2d(x, pool_size, mode, stride=stride, padding=padding), X)

    def theirs_fn(x):
        batched = x if x.dim() == 4 else x[None, None]
        y = torch_pool(batched, pool_size, stride=stride, padding=padding)
        return y if x.dim() == 4 else y[0, 0]

    _assert_same(ours, _grads(theirs_fn, X))


def test_pool2d_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        scratch.pool2d(torch.zeros(3, 3), 2, "min")
