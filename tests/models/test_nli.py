"""Decomposable attention (15.5): the book's MLPs, soft alignment, the whole model, predictions."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data.text import Vocab
from d2lkit.models import create_model, nli


def test_mlp_is_dropout_linear_relu_twice_with_optional_flatten():
    kinds = [type(m).__name__ for m in nli.mlp(6, 4, flatten=True)]
    assert kinds == ["Dropout", "Linear", "ReLU", "Flatten", "Dropout", "Linear", "ReLU", "Flatten"]
    plain = nli.mlp(6, 4, flatten=False)
    assert [type(m).__name__ for m in plain] == ["Dropout", "Linear", "ReLU"] * 2
    assert plain[0].p == plain[3].p == 0.2 and plain[1].in_features == 6


def test_attend_aligns_each_side_with_softmax_weights_over_the_other():
    torch.manual_seed(0)
    attend = nli.Attend(5, 4).eval()
    A, B = torch.randn(2, 3, 5), torch.randn(2, 6, 5)
    beta, alpha = attend(A, B)
    for b in range(2):
        e = attend.f(A[b]) @ attend.f(B[b]).T  # (3, 6) scores
        torch.testing.assert_close(beta[b], F.softmax(e, dim=1) @ B[b])
        torch.testing.assert_close(alpha[b], F.softmax(e.T, dim=1) @ A[b])


def test_model_composes_attend_compare_aggregate():
    torch.manual_seed(0)
    net = nli.DecomposableAttention(30, 8, 6).eval()
    P, H = torch.randint(0, 30, (4, 5)), torch.randint(0, 30, (4, 7))
    A, B = net.embedding(P), net.embedding(H)
    beta, alpha = net.attend(A, B)
    V_A = net.compare.g(torch.cat([A, beta], dim=2))
    V_B = net.compare.g(torch.cat([B, alpha], dim=2))
    expected = net.aggregate.linear(net.aggregate.h(torch.cat([V_A.sum(1), V_B.sum(1)], dim=1)))
    torch.testing.assert_close(net(P, H), expected)
    book = create_model("decomposable_attention", vocab_size=50)
    # the book's defaults: attend 100 inputs, compare 200, aggregate 400
    assert book.attend.f[1].in_features == 100 and book.compare.g[1].in_features == 200
    assert book.aggregate.h[1].in_features == 400 and book.aggregate.linear.out_features == 3


class _Contradicts(nn.Module):
    """Contradiction when the hypothesis holds 'bad', else entailment."""

    def __init__(self, bad: int) -> None:
        super().__init__()
        self.bad = bad
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, premises: torch.Tensor, hypotheses: torch.Tensor) -> torch.Tensor:
        hit = (hypotheses == self.bad).any(dim=1).float() * self.scale
        return torch.stack([1 - hit, hit, torch.zeros_like(hit)], dim=1)


def test_predict_snli_names_the_relation_and_restores_the_mode():
    vocab = Vocab([["he", "is", "good", "bad", "."]])
    net = _Contradicts(vocab["bad"]).train()
    assert nli.predict_snli(net, vocab, ["he", "is", "good", "."], ["he", "is", "bad", "."]) == (
        "contradiction"
    )
    assert (
        nli.predict_snli(net, vocab, ["he", "is", "good", "."], ["he", "is", "."]) == "entailment"
    )
    assert net.training
