"""Skip-gram (14.4): scores, the masked loss the book prints, nearest words and analogies."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from d2lkit.data.text import Vocab
from d2lkit.errors import ConfigError
from d2lkit.models import create_model
from d2lkit.models import word2vec as w2v


def test_skip_gram_scores_are_dot_products_of_center_and_context_vectors():
    embed = nn.Embedding(20, 4)
    assert w2v.skip_gram(
        torch.ones(2, 1, dtype=torch.long), torch.ones(2, 4, dtype=torch.long), embed, embed
    ).shape == (2, 1, 4)
    net = create_model("word2vec_tiny")
    center, words = torch.tensor([[3], [7]]), torch.tensor([[1, 2, 5], [7, 0, 9]])
    scores = net(center, words)
    for b in range(2):
        for j in range(3):
            expected = net.embed_v.weight[center[b, 0]] @ net.embed_u.weight[words[b, j]]
            torch.testing.assert_close(scores[b, 0, j], expected)


def test_sigmoid_bce_loss_gives_the_books_printed_values():
    loss = w2v.SigmoidBCELoss()
    pred = torch.tensor([[1.1, -2.2, 3.3, -4.4]] * 2)
    label = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    per_valid = loss(pred, label, mask) * mask.shape[1] / mask.sum(axis=1)

    def sigmd(x: float) -> float:  # the book's hand computation: -log(sigmoid(x))
        return -math.log(1 / (1 + math.exp(-x)))

    first = (sigmd(1.1) + sigmd(2.2) + sigmd(-3.3) + sigmd(4.4)) / 4
    second = (sigmd(-1.1) + sigmd(-2.2)) / 2
    torch.testing.assert_close(per_valid, torch.tensor([first, second]))
    assert f"{first:.4f}" == "0.9352" and f"{second:.4f}" == "1.8462"  # as the book prints
    unmasked = nn.BCEWithLogitsLoss(reduction="none")(pred, label).mean(dim=1)
    torch.testing.assert_close(loss(pred, label), unmasked)


def _vectors() -> tuple[torch.Tensor, Vocab]:
    vocab = Vocab.from_tokens(["<unk>", "man", "woman", "king", "queen", "apple", "pear"])
    W = torch.tensor(
        [
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.2],  # man
            [1.0, 1.0, 0.2],  # woman
            [3.0, 0.0, 1.0],  # king
            [3.0, 1.0, 1.0],  # queen = king - man + woman
            [-1.0, 0.1, 5.0],  # apple
            [-1.0, 0.2, 4.0],  # pear
        ]
    )
    return W, vocab


def test_nearest_words_by_cosine_leave_the_query_out():
    W, vocab = _vectors()
    found = w2v.get_similar_tokens("apple", 3, W, vocab)
    cos = torch.nn.functional.cosine_similarity(W, W[5:6], dim=1)  # torch's own, per row
    ranked = [vocab.idx_to_token[i] for i in cos.argsort(descending=True).tolist()]
    assert ranked[0] == "apple" and [t for t, _ in found] == ranked[1:4]
    assert [c for _, c in found] == pytest.approx(sorted(cos.tolist(), reverse=True)[1:4])
    indices, cosines = w2v.knn(W, W[1], 7)
    assert float(cosines[indices.tolist().index(0)]) == 0.0  # <unk>'s zeros: cosine 0, no NaN


def test_analogy_is_the_nearest_to_b_minus_a_plus_c():
    W, vocab = _vectors()
    assert w2v.get_analogy("man", "woman", "king", W, vocab) == "queen"
    with pytest.raises(ConfigError, match="'kiwi' is not in the vocabulary"):
        w2v.get_analogy("man", "woman", "kiwi", W, vocab)


def test_the_registered_model_is_the_books_size_with_xavier_tables():
    net = create_model("word2vec")
    assert net.embed_v.weight.shape == net.embed_u.weight.shape == (6719, 100)
    bound = math.sqrt(6 / (6719 + 100))  # Xavier-uniform, as the book's train() sets
    assert net.embed_v.weight.abs().max() <= bound and net.embed_u.weight.abs().max() <= bound
    assert net.embed_v.weight.abs().max() > 0.9 * bound  # not nn.Embedding's N(0, 1)
