"""The 1.0 attention layers: the book's shapes, lazy input sizes, heads split and merged."""

from __future__ import annotations

import pytest
import torch

from d2lkit.v1 import torch as d2l


def test_multihead_attention_keeps_the_query_shape_as_in_the_book():
    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_heads, 0.5)
    assert isinstance(attention, d2l.Module)  # a d2l.Module in 1.0
    X, Y = torch.ones((2, 4, num_hiddens)), torch.ones((2, 6, num_hiddens))
    d2l.check_shape(attention(X, Y, Y, torch.tensor([3, 2])), (2, 4, num_hiddens))


def test_transpose_output_undoes_transpose_qkv():
    attention = d2l.MultiHeadAttention(12, 3, 0.0)
    X = torch.randn(2, 5, 12)
    split = attention.transpose_qkv(X)
    assert split.shape == (6, 5, 4)
    torch.testing.assert_close(split[1], X[0, :, 4:8])  # head 1 of example 0
    torch.testing.assert_close(attention.transpose_output(split), X)


def test_multihead_attention_ignores_keys_past_the_valid_length():
    torch.manual_seed(0)
    attention = d2l.MultiHeadAttention(8, 2, 0.0)
    attention.eval()
    X = torch.randn(1, 3, 8)
    Y = torch.randn(1, 5, 8)
    out = attention(X, Y, Y, torch.tensor([2]))
    Y2 = Y.clone()
    Y2[:, 2:] = 100.0  # keys and values past the valid length change: no effect
    torch.testing.assert_close(attention(X, Y2, Y2, torch.tensor([2])), out)


def test_additive_attention_takes_its_sizes_from_the_first_call():
    queries, keys = torch.randn(2, 1, 20), torch.randn(2, 10, 2)
    values = torch.randn(2, 10, 4)
    attention = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1)
    attention.eval()
    d2l.check_shape(attention(queries, keys, values, torch.tensor([2, 6])), (2, 1, 4))
    assert attention.W_q.weight.shape == (8, 20) and attention.W_k.weight.shape == (8, 2)
    weights = attention.attention_weights.detach()
    assert float(weights[0, 0, 2:].sum()) == 0.0
    assert float(weights[1, 0, :6].sum()) == pytest.approx(1.0)


def test_positionwise_ffn_and_addnorm_keep_the_books_shapes():
    ffn = d2l.PositionWiseFFN(4, 8)
    assert ffn(torch.ones((2, 3, 4))).shape == (2, 3, 8)
    add_norm = d2l.AddNorm(4, 0.5)
    add_norm.eval()
    d2l.check_shape(add_norm(torch.ones((2, 3, 4)), torch.ones((2, 3, 4))), (2, 3, 4))


def test_transformer_encoder_keeps_attention_weights_per_block():
    encoder = d2l.TransformerEncoder(200, 24, 48, 8, 2, 0.5)
    encoder.eval()
    out = encoder(torch.ones((2, 100), dtype=torch.long), torch.tensor([3, 2]))
    d2l.check_shape(out, (2, 100, 24))
    assert len(encoder.attention_weights) == 2
    assert encoder.attention_weights[0].shape == (16, 100, 100)  # (B * heads, T, T)
