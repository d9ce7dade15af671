"""Attention (d2l 10.3, 10.5, 10.6): masking, scoring, multi-head shapes, positional encoding."""

from __future__ import annotations

import math

import pytest
import torch

from d2lkit.models.attention import (
    AdditiveAttention,
    DotProductAttention,
    MultiHeadAttention,
    PositionalEncoding,
    masked_softmax,
)


def test_masked_softmax_gives_zero_weight_beyond_valid_lens() -> None:
    torch.manual_seed(0)
    weights = masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))
    assert torch.all(weights[0, :, 2:] == 0) and torch.all(weights[1, :, 3:] == 0)
    assert torch.all(weights[0, :, :2] > 0) and torch.all(weights[1, :, :3] > 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 2))


def test_masked_softmax_takes_one_valid_len_per_query() -> None:
    torch.manual_seed(0)
    weights = masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]]))
    valid = torch.tensor([[1, 3], [2, 4]])
    for b in range(2):
        for q in range(2):
            assert torch.all(weights[b, q, valid[b, q] :] == 0)
            assert weights[b, q].sum().item() == pytest.approx(1.0)


def test_masked_softmax_without_lens_is_softmax() -> None:
    X = torch.randn(2, 3, 5)
    torch.testing.assert_close(masked_softmax(X, None), torch.softmax(X, dim=-1))


def test_additive_attention_matches_the_book_example() -> None:
    # 10.3: queries (2, 1, 20), 10 key-value pairs of size 4 with values 0..39; with a
    # constant key every valid key gets equal weight, so the output averages valid values.
    queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
    values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
    attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8).eval()
    out = attention(queries, keys, values, torch.tensor([2, 6]))
    assert out.shape == (2, 1, 4)
    torch.testing.assert_close(out[0, 0], values[0, :2].mean(0))
    torch.testing.assert_close(out[1, 0], values[1, :6].mean(0))
    assert attention.attention_weights.shape == (2, 1, 10)


def test_dot_product_attention_scales_by_sqrt_d() -> None:
    torch.manual_seed(0)
    Q, K, Vals = torch.randn(2, 3, 16), torch.randn(2, 5, 16), torch.randn(2, 5, 7)
    out = DotProductAttention().eval()(Q, K, Vals)
    expected = torch.softmax(Q @ K.transpose(1, 2) / math.sqrt(16), dim=-1) @ Vals
    torch.testing.assert_close(out, expected)


def test_multi_head_attention_output_shape() -> None:
    # 10.5: 100 hidden units, 5 heads, 4 queries attending to 6 key-value pairs.
    attention = MultiHeadAttention(num_hiddens=100, num_heads=5, dropout=0.5).eval()
    X, Y = torch.ones((2, 4, 100)), torch.ones((2, 6, 100))
    assert attention(X, Y, Y, torch.tensor([3, 2])).shape == (2, 4, 100)
    assert attention.attention_weights.shape == (2 * 5, 4, 6)


def test_self_attention_keeps_the_input_shape() -> None:
    # 10.6: queries, keys and values are all X.
    attention = MultiHeadAttention(num_hiddens=100, num_heads=5, dropout=0.5).eval()
    X = torch.ones((2, 4, 100))
    assert attention(X, X, X, torch.tensor([3, 2])).shape == (2, 4, 100)


def test_multi_head_attention_masks_per_sequence() -> None:
    # Keys past a sequence's valid length do not change its output.
    torch.manual_seed(0)
    attention = MultiHeadAttention(num_hiddens=8, num_heads=2).eval()
    X, Y = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    Y2 = Y.clone()
    Y2[0, 2:] = torch.randn(3, 8)  # changed beyond valid length 2 of sequence 0
    valid = torch.tensor([2, 5])
    out, out2 = attention(X, Y, Y, valid), attention(X, Y2, Y2, valid)
    torch.testing.assert_close(out, out2)


def test_multi_head_attention_parameter_count(num_params) -> None:
    assert num_params(MultiHeadAttention(100, 5)) == 4 * 100 * 100  # W_q, W_k, W_v, W_o
    assert num_params(MultiHeadAttention(100, 5, bias=True)) == 4 * (100 * 100 + 100)


def test_heads_must_divide_hidden_units() -> None:
    with pytest.raises(ValueError, match="multiple"):
        MultiHeadAttention(num_hiddens=10, num_heads=3)


@pytest.mark.parametrize("position", [0, 1, 7, 59])
@pytest.mark.parametrize("column", [0, 1, 6, 7, 30, 31])
def test_positional_encoding_matches_the_formula(position: int, column: int) -> None:
    # 10.6: P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)).
    d = 32
    pe = PositionalEncoding(d, dropout=0.0).eval()
    P = pe(torch.zeros(1, 60, d))[0]  # (T, d): adding to zeros gives the encoding itself
    j = column // 2
    angle = position / 10000 ** (2 * j / d)
    expected = math.sin(angle) if column % 2 == 0 else math.cos(angle)
    assert P[position, column].item() == pytest.approx(expected, abs=1e-5)
    torch.testing.assert_close(pe.encoding(60), P)


def test_positional_encoding_offset_continues_positions() -> None:
    pe = PositionalEncoding(16).eval()
    whole = pe(torch.zeros(1, 10, 16))
    torch.testing.assert_close(pe(torch.zeros(1, 3, 16), offset=7), whole[:, 7:])


def test_positional_encoding_handles_odd_sizes() -> None:
    pe = PositionalEncoding(5).eval()
    assert pe(torch.zeros(2, 4, 5)).shape == (2, 4, 5)


def test_additive_attention_without_sizes_equals_the_sized_one():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5), torch.randn(2, 4, 7), torch.randn(2, 4, 6)
    lazy = AdditiveAttention(None, None, 8)
    out = lazy(q, k, v, torch.tensor([2, 4]))
    sized = AdditiveAttention(7, 5, 8)
    sized.load_state_dict(lazy.state_dict())
    torch.testing.assert_close(sized(q, k, v, torch.tensor([2, 4])), out)


def test_split_heads_gives_each_head_its_slice_and_merge_heads_undoes_it():
    from d2lkit.models.attention import merge_heads, split_heads

    X = torch.randn(2, 3, 12)
    split = split_heads(X, 4)
    assert split.shape == (8, 3, 3)
    torch.testing.assert_close(split[4 + 2], X[1, :, 6:9])  # example 1, head 2
    torch.testing.assert_close(merge_heads(split, 4), X)
