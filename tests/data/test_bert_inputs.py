"""BERT's inputs (14.8): <cls>/<sep> layout, segment ids, cutting pairs to fit."""

from __future__ import annotations

import pytest
import torch

from d2lkit.data import bert_inputs
from d2lkit.data.text import Vocab


def test_one_and_two_sentences_as_the_book_lays_them_out():
    tokens, segments = bert_inputs.get_tokens_and_segments(["a", "crane", "is", "flying"])
    assert tokens == ["<cls>", "a", "crane", "is", "flying", "<sep>"]
    assert segments == [0] * 6
    tokens, segments = bert_inputs.get_tokens_and_segments(
        ["a", "crane", "driver", "came"], ["he", "just", "left"]
    )
    assert tokens == [
        "<cls>",
        "a",
        "crane",
        "driver",
        "came",
        "<sep>",
        "he",
        "just",
        "left",
        "<sep>",
    ]
    assert segments == [0] * 6 + [1] * 4


def test_pairs_lose_tokens_from_the_longer_side_until_they_fit():
    a, b = list("abcdef"), list("xy")
    out = bert_inputs.truncate_pair_of_tokens(a, b, max_len=8)
    assert out == (list("abc"), list("xy")) and a == list("abc")  # shortened in place
    assert bert_inputs.truncate_pair_of_tokens(list("ab"), list("xy"), 6) == (["a", "b"], ["x"])
    assert bert_inputs.truncate_pair_of_tokens([], [], 3) == ([], [])
    with pytest.raises(ValueError, match="room for <cls> and two <sep>"):
        bert_inputs.truncate_pair_of_tokens([], [], 2)


def test_encoded_pairs_are_padded_ids_segments_and_lengths():
    vocab = Vocab([["a", "b", "b"]], reserved_tokens=list(bert_inputs.BERT_RESERVED))
    ids, segments, valid = bert_inputs.encode_bert_pairs([(["b"], ["a", "zz"])], vocab, 8)
    expected = vocab[["<cls>", "b", "<sep>", "a", "zz", "<sep>", "<pad>", "<pad>"]]
    assert ids.tolist() == [expected] and expected[4] == vocab.unk
    assert segments.tolist() == [[0, 0, 0, 1, 1, 1, 0, 0]]
    assert valid.dtype == torch.int64 and valid.tolist() == [6]
