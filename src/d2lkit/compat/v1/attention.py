"""d2l 1.0's attention and transformer pieces (11.3-11.7), on :mod:`d2lkit.models.attention`.

Where the English edition infers input sizes from the first call (lazy
layers), so do these; ``MultiHeadAttention`` is a ``d2l.Module`` as in the book.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from d2lkit.compat.v1.module import Module
from d2lkit.models import attention as _attention
from d2lkit.models import transformer as _transformer

__all__ = [
    "AddNorm",
    "AdditiveAttention",
    "DotProductAttention",
    "MultiHeadAttention",
    "PositionWiseFFN",
    "PositionalEncoding",
    "TransformerEncoder",
    "TransformerEncoderBlock",
    "masked_softmax",
]

masked_softmax = _attention.masked_softmax
DotProductAttention = _attention.DotProductAttention
PositionalEncoding = _attention.PositionalEncoding
AddNorm = _transformer.AddNorm
TransformerEncoderBlock = _transformer.TransformerEncoderBlock
TransformerEncoder = _transformer.TransformerEncoder


class AdditiveAttention(_attention.AdditiveAttention):
    """``AdditiveAttention(num_hiddens, dropout)``: query and key sizes from the first call."""

    def __init__(self, num_hiddens: int, dropout: float, **kwargs: Any) -> None:
        super().__init__(None, None, num_hiddens, dropout)


class PositionWiseFFN(_transformer.PositionWiseFFN):
    """``PositionWiseFFN(ffn_num_hiddens, ffn_num_outputs)``: input size from the first call."""

    def __init__(self, ffn_num_hiddens: int, ffn_num_outputs: int) -> None:
        super().__init__(None, ffn_num_hiddens, ffn_num_outputs)


class MultiHeadAttention(Module):
    """``num_heads`` scaled dot-product attentions on lazy linear projections (11.5).

    ``transpose_qkv`` / ``transpose_output`` split and merge the heads
    (:func:`d2lkit.models.attention.split_heads` / ``merge_heads``).
    """

    def __init__(
        self, num_hiddens: int, num_heads: int, dropout: float, bias: bool = False, **kwargs: Any
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        valid_lens: torch.Tensor | None,
    ) -> torch.Tensor:
        queries = self.transpose_qkv(self.W_q(queries))  # (B * heads, T_q, h / heads)
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:  # one copy per head
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(self.transpose_output(output))  # (B, T_q, h)

    def transpose_qkv(self, X: torch.Tensor) -> torch.Tensor:
        """``(B, T, h)`` -> ``(B * heads, T, h / heads)``."""
        return _attention.split_heads(X, self.num_heads)

    def transpose_output(self, X: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`transpose_qkv`."""
        return _attention.merge_heads(X, self.num_heads)
