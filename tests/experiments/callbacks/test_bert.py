"""Probing a BERT (14.10): filled-in words are the masked-LM head's own most probable ones."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit.data.bert_inputs import BERT_RESERVED
from d2lkit.data.text import Vocab
from d2lkit.experiments.callbacks.bert import BertProbe, bert_encoding, fill_mask
from d2lkit.models.bert import BERTModel

WORDS = ["a", "crane", "is", "flying", "driver", "came", "he", "just", "left"]


def _model() -> tuple[BERTModel, Vocab]:
    torch.manual_seed(0)
    vocab = Vocab.from_tokens(["<unk>", *BERT_RESERVED, *WORDS])
    return BERTModel(len(vocab), 8, 16, 2, 1, 0.0, 32), vocab


def test_fill_mask_gives_the_heads_softmax_at_the_hidden_position_best_first():
    net, vocab = _model()
    net.eval()
    found = fill_mask(net, vocab, ["a", "crane", "is", "flying"], None, 1, k=3)
    ids = torch.tensor([vocab[["<cls>", "a", "<mask>", "is", "flying", "<sep>"]]])
    with torch.no_grad():
        _, mlm, _ = net(ids, torch.zeros_like(ids), torch.tensor([6]), torch.tensor([[2]]))
    probs = F.softmax(mlm[0, 0], dim=-1)
    best = torch.topk(probs, 3)
    assert [w for w, _ in found] == [vocab.idx_to_token[int(i)] for i in best.indices]
    assert [p for _, p in found] == pytest.approx(best.values.tolist())


def test_the_encoding_of_a_pair_puts_b_in_segment_one():
    net, vocab = _model()
    net.eval()
    encoded = bert_encoding(net, vocab, ["a", "crane"], ["he", "left"])
    ids = torch.tensor([vocab[["<cls>", "a", "crane", "<sep>", "he", "left", "<sep>"]]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1]])
    with torch.no_grad():
        expected, _, _ = net(ids, segments, torch.tensor([7]))
    torch.testing.assert_close(encoded, expected)


def test_the_probe_fills_the_books_sentences_and_compares_crane_in_two_contexts(tmp_path):
    net, vocab = _model()

    class Stub:
        model, run_dir = net, tmp_path

        def echo(self, text: str) -> None: ...

    probe = BertProbe(vocab)
    probe.on_fit_end(Stub())  # type: ignore[arg-type]
    assert list(probe.filled) == [
        "a ___ is flying",
        "a crane driver ___ | he just left",
        "he just ___",
    ]
    assert -1 <= probe.crane_cosine <= 1 and net.training  # the mode is put back
    assert (tmp_path / "masked_words.png").is_file()
    assert set(probe.summary()) == {"masked_words", "crane_cosine"}
