"""Attention: masked softmax, additive and scaled dot-product scoring, multi-head
attention and sinusoidal positional encoding (d2l 10.3, 10.5, 10.6).

Queries are ``(B, T_q, d_q)``, keys ``(B, T_k, d_k)``, values ``(B, T_k, d_v)``.
``valid_lens`` is ``(B,)`` (one length per sequence) or ``(B, T_q)`` (one per
query, e.g. a causal mask); keys at positions ``>= valid_len`` get zero weight.
Each attention module keeps its last weights ``(B, T_q, T_k)`` in
``attention_weights`` for plotting.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.seq2seq import sequence_mask

__all__ = [
    "AdditiveAttention",
    "DotProductAttention",
    "MultiHeadAttention",
    "PositionalEncoding",
    "masked_softmax",
    "merge_heads",
    "split_heads",
]

# Masked scores become this before the softmax: exp(-1e6 - max) is exactly 0 in float32.
_MASKED_SCORE = -1e6


def masked_softmax(X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
    """Softmax over the keys (last axis) of ``X`` ``(B, T_q, T_k)``, the valid ones only."""
    if valid_lens is None:
        return F.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])  # (B * T_q,)
    else:
        valid_lens = valid_lens.reshape(-1)  # (B * T_q,)
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=_MASKED_SCORE)
    return F.softmax(X.reshape(shape), dim=-1)


def _linear(in_features: int | None, out_features: int, bias: bool = True) -> nn.Module:
    """A linear layer; a lazy one (input size from the first call) for ``None``."""
    if in_features is None:
        return nn.LazyLinear(out_features, bias=bias)
    return nn.Linear(in_features, out_features, bias=bias)


class AdditiveAttention(nn.Module):
    """Scores ``w_v^T tanh(W_q q + W_k k)``: queries and keys may differ in size; d2l 10.3.

    ``key_size`` / ``query_size`` None: inferred from the first call (the English
    edition's lazy layers).
    """

    def __init__(
        self,
        key_size: int | None,
        query_size: int | None,
        num_hiddens: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.W_k = _linear(key_size, num_hiddens, bias=False)
        self.W_q = _linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: torch.Tensor | None = None

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        valid_lens: torch.Tensor | None = None,
    ) -> torch.Tensor:
        queries, keys = self.W_q(queries), self.W_k(keys)  # (B, T_q, h), (B, T_k, h)
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))  # (B, T_q, T_k, h)
        scores = self.w_v(features).squeeze(-1)  # (B, T_q, T_k)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)  # (B, T_q, d_v)


class DotProductAttention(nn.Module):
    """Scores ``q . k / sqrt(d)``: cheap, for queries and keys of one size ``d``; d2l 10.3."""

    def __init__(self, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: torch.Tensor | None = None

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        valid_lens: torch.Tensor | None = None,
    ) -> torch.Tensor:
        d = queries.shape[-1]
        # Dividing by sqrt(d) keeps the scores' variance near 1 whatever the size d.
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)  # (B, T_q, T_k)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)  # (B, T_q, d_v)


class MultiHeadAttention(nn.Module):
    """``num_heads`` dot-product attentions on learned projections, concatenated; d2l 10.5.

    Each head works on ``num_hiddens / num_heads`` features, so all heads together
    cost about as much as one full-width attention.
    """

    def __init__(
        self,
        num_hiddens: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = False,
        key_size: int | None = None,
        query_size: int | None = None,
        value_size: int | None = None,
    ) -> None:
        super().__init__()
        if num_hiddens % num_heads:
            raise ValueError(
                f"num_hiddens={num_hiddens} is not a multiple of num_heads={num_heads}"
            )
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size or num_hiddens, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size or num_hiddens, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size or num_hiddens, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    @property
    def attention_weights(self) -> torch.Tensor | None:
        """The last weights, ``(B * num_heads, T_q, T_k)``."""
        return self.attention.attention_weights

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        valid_lens: torch.Tensor | None = None,
    ) -> torch.Tensor:
        queries = self._split_heads(self.W_q(queries))  # (B * heads, T_q, h / heads)
        keys = self._split_heads(self.W_k(keys))  # (B * heads, T_k, h / heads)
        values = self._split_heads(self.W_v(values))  # (B * heads, T_k, h / heads)
        if valid_lens is not None:  # one copy per head, head index fastest
            valid_lens = torch.repeat_interleave(valid_lens, self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)  # (B * heads, T_q, h / heads)
        return self.W_o(self._merge_heads(output))  # (B, T_q, h)

    def _split_heads(self, X: torch.Tensor) -> torch.Tensor:
        return split_heads(X, self.num_heads)

    def _merge_heads(self, X: torch.Tensor) -> torch.Tensor:
        return merge_heads(X, self.num_heads)


def split_heads(X: torch.Tensor, num_heads: int) -> torch.Tensor:
    """``(B, T, h)`` -> ``(B * heads, T, h / heads)``: each head's features, head index fastest."""
    B, T, _ = X.shape
    X = X.reshape(B, T, num_heads, -1).permute(0, 2, 1, 3)  # (B, heads, T, h / heads)
    return X.reshape(B * num_heads, T, -1)


def merge_heads(X: torch.Tensor, num_heads: int) -> torch.Tensor:
    """The inverse of :func:`split_heads`: ``(B * heads, T, d)`` -> ``(B, T, heads * d)``."""
    _, T, d = X.shape
    X = X.reshape(-1, num_heads, T, d).permute(0, 2, 1, 3)  # (B, T, heads, d)
    return X.reshape(X.shape[0], T, -1)


class PositionalEncoding(nn.Module):
    """Adds ``P[t, 2j] = sin(t / 10000^(2j/d))``, ``P[t, 2j+1] = cos(...)``, then dropout; d2l 10.6.

    Each pair of columns is a sinusoid of its own frequency, so position ``t + k``
    is a linear (rotation) function of position ``t``.
    """

    P: torch.Tensor  # (1, max_len, d), a buffer registered in __init__

    def __init__(self, num_hiddens: int, dropout: float = 0.0, max_len: int = 1000) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)  # (max_len, 1)
        div = torch.pow(
            10000.0, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens
        )  # (ceil(d / 2),)
        angles = position / div  # (max_len, ceil(d / 2))
        P = torch.zeros(1, max_len, num_hiddens)
        P[0, :, 0::2] = torch.sin(angles)
        P[0, :, 1::2] = torch.cos(angles[:, : num_hiddens // 2])
        self.register_buffer("P", P, persistent=False)

    def forward(self, X: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """``X`` ``(B, T, d)`` plus the encoding of positions ``offset .. offset + T - 1``.

        A decoder fed one token at a time passes the number of tokens before it.
        """
        return self.dropout(X + self.P[:, offset : offset + X.shape[1], :].to(X.dtype))

    def encoding(self, num_steps: int) -> torch.Tensor:
        """The encoding ``(num_steps, d)`` of positions ``0 .. num_steps - 1``, for plots."""
        return self.P[0, :num_steps]
