"""Decomposable attention for natural language inference (15.5): attend, compare, aggregate.

No recurrence and no convolution: each premise word is softly aligned with
the hypothesis words and the other way round (attend), each word is compared
with what it is aligned to (compare), and the comparisons are summed and
classified into entailment, contradiction or neutral (aggregate). Sizes are the
book's: MLPs with dropout 0.2; the attend MLP takes embeddings (``embed_size``),
the compare MLP a word and its alignment (``2 * embed_size``), the aggregate
MLP both summed comparisons (``2 * num_hiddens``). As in the book, padding is
not masked out of the attention.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data.snli import SNLI_LABELS
from d2lkit.data.text import Vocab
from d2lkit.models.registry import register_model

__all__ = [
    "Aggregate",
    "Attend",
    "Compare",
    "DecomposableAttention",
    "decomposable_attention",
    "decomposable_attention_tiny",
    "mlp",
    "predict_snli",
]


def mlp(num_inputs: int, num_hiddens: int, flatten: bool) -> nn.Sequential:
    """Two dropout(0.2)-linear-ReLU layers; ``flatten`` adds a Flatten after each ReLU."""
    layers: list[nn.Module] = [nn.Dropout(0.2), nn.Linear(num_inputs, num_hiddens), nn.ReLU()]
    if flatten:
        layers.append(nn.Flatten(start_dim=1))
    layers += [nn.Dropout(0.2), nn.Linear(num_hiddens, num_hiddens), nn.ReLU()]
    if flatten:
        layers.append(nn.Flatten(start_dim=1))
    return nn.Sequential(*layers)


class Attend(nn.Module):
    """Soft alignment: ``beta`` (B, T_A, E), B aligned to each word of A; ``alpha`` the reverse."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.f = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        e = torch.bmm(self.f(A), self.f(B).transpose(1, 2))  # (B, T_A, T_B)
        beta = torch.bmm(F.softmax(e, dim=-1), B)  # (B, T_A, E)
        alpha = torch.bmm(F.softmax(e.transpose(1, 2), dim=-1), A)  # (B, T_B, E)
        return beta, alpha


class Compare(nn.Module):
    """Each word beside what it is aligned to, through one MLP: ``(B, T, num_hiddens)`` each."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.g = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(
        self, A: torch.Tensor, B: torch.Tensor, beta: torch.Tensor, alpha: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.g(torch.cat([A, beta], dim=2)), self.g(torch.cat([B, alpha], dim=2))


class Aggregate(nn.Module):
    """Sum each side's comparisons over its words, concatenate, MLP, linear to the classes."""

    def __init__(self, num_inputs: int, num_hiddens: int, num_outputs: int) -> None:
        super().__init__()
        self.h = mlp(num_inputs, num_hiddens, flatten=True)
        self.linear = nn.Linear(num_hiddens, num_outputs)

    def forward(self, V_A: torch.Tensor, V_B: torch.Tensor) -> torch.Tensor:
        return self.linear(self.h(torch.cat([V_A.sum(dim=1), V_B.sum(dim=1)], dim=1)))


class DecomposableAttention(nn.Module):
    """``forward(premises (B, T_A), hypotheses (B, T_B))`` -> logits ``(B, 3)``."""

    def __init__(
        self, vocab_size: int, embed_size: int = 100, num_hiddens: int = 200, num_outputs: int = 3
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.attend = Attend(embed_size, num_hiddens)
        self.compare = Compare(2 * embed_size, num_hiddens)
        self.aggregate = Aggregate(2 * num_hiddens, num_hiddens, num_outputs)

    def forward(self, premises: torch.Tensor, hypotheses: torch.Tensor) -> torch.Tensor:
        A, B = self.embedding(premises), self.embedding(hypotheses)  # (B, T, E)
        beta, alpha = self.attend(A, B)
        V_A, V_B = self.compare(A, B, beta, alpha)
        return self.aggregate(V_A, V_B)


@torch.no_grad()
def predict_snli(
    net: nn.Module, vocab: Vocab, premise: Sequence[str], hypothesis: Sequence[str]
) -> str:
    """``'entailment'``, ``'contradiction'`` or ``'neutral'`` for two token lists.

    The net (``net(premises, hypotheses)``) runs in evaluation mode on its
    parameters' device; its mode is restored afterwards.
    """
    device = next(net.parameters()).device
    p = torch.tensor(vocab[list(premise)], device=device).reshape(1, -1)
    h = torch.tensor(vocab[list(hypothesis)], device=device).reshape(1, -1)
    was_training = net.training
    net.eval()
    try:
        label = int(net(p, h).argmax(dim=1)[0])
    finally:
        net.train(was_training)
    return SNLI_LABELS[label]


@register_model
def decomposable_attention(
    vocab_size: int, embed_size: int = 100, num_hiddens: int = 200
) -> nn.Module:
    """15.5's model: 100-d embeddings (the book's GloVe), MLPs of 200 units."""
    return DecomposableAttention(vocab_size, embed_size, num_hiddens)


@register_model
def decomposable_attention_tiny(vocab_size: int = 30) -> nn.Module:
    """8-d embeddings and MLPs of 8 units, for fast tests."""
    return DecomposableAttention(vocab_size, 8, 8)
