"""WikiText-2 for BERT (14.9): paragraphs, next-sentence pairs, masked tokens, tensors."""

from __future__ import annotations

import random

import pytest
import torch

from d2lkit.data import wikitext
from d2lkit.data.bert_inputs import BERT_RESERVED
from d2lkit.data.text import SortedVocab, Vocab

WIKI = (
    " \n"
    " = Valkyria Chronicles III = \n"
    " \n"
    " Senjō no Valkyria 3 is a game . It was released in 2011 . Critics liked it . \n"
    " = = Gameplay = = \n"
    " The game has no map . \n"
    " Troops move in turns . A turn ends when the player says so \n"
    " One line without the separator. \n"
)


def test_paragraphs_are_lines_with_a_separator_lower_cased_and_split():
    paragraphs = wikitext.wiki_paragraphs(WIKI.split("\n"))
    assert paragraphs == [
        ["senjō no valkyria 3 is a game", "it was released in 2011", "critics liked it ."],
        ["the game has no map ."],  # " . " before the line break counts, as in the book
        ["troops move in turns", "a turn ends when the player says so"],
    ]


def test_read_from_the_zip_in_place(store_file, zip_bytes):
    archive = zip_bytes({"wikitext-2/wiki.train.tokens": WIKI.replace("\n", "\r\n")})
    root = store_file("wikitext-2", "wikitext-2-v1.zip", archive)
    assert wikitext.read_wiki("train", root) == wikitext.wiki_paragraphs(WIKI.split("\n"))
    with pytest.raises(ValueError, match="'train', 'valid' or 'test'"):
        wikitext.read_wiki("dev", root)


def _corpus(seed: int, paragraphs: int = 60) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(40)]
    return [
        [" ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(rng.randint(2, 6))]
        for _ in range(paragraphs)
    ]


def test_next_sentence_half_the_time_else_a_random_one():
    paragraphs = [[["a"], ["b"]], [["c"], ["d"], ["e"]]]
    g = torch.Generator().manual_seed(0)
    draws = [wikitext.get_next_sentence(["a"], ["b"], paragraphs, g) for _ in range(4000)]
    nexts = [d for d in draws if d[2]]
    assert abs(len(nexts) / 4000 - 0.5) < 0.03 and all(d[1] == ["b"] for d in nexts)
    others = [d[1][0] for d in draws if not d[2]]
    # a random paragraph, then a random sentence of it: a, b 1/4 each; c, d, e 1/6 each
    assert abs(others.count("a") / len(others) - 1 / 4) < 0.03
    assert abs(others.count("e") / len(others) - 1 / 6) < 0.03


def test_nsp_pairs_skip_what_does_not_fit_and_lay_out_cls_sep():
    paragraph = [["a", "b"], ["c"], ["d", "e", "f", "g"]]
    g = torch.Generator().manual_seed(1)
    examples = wikitext.get_nsp_data_from_paragraph(paragraph, [paragraph], 6, g)
    first = examples[0]
    assert first[0][:4] == ["<cls>", "a", "b", "<sep>"] and first[0][-1] == "<sep>"
    assert first[1] == [0] * 4 + [1] * (len(first[0]) - 4)
    assert all(len(tokens) <= 6 for tokens, _, _ in examples)
    if first[2]:
        assert first[0] == ["<cls>", "a", "b", "<sep>", "c", "<sep>"]


def test_replaced_tokens_are_80_percent_mask_10_kept_10_random():
    tokens = [f"t{i}" for i in range(20)]
    vocab = Vocab([tokens], reserved_tokens=list(BERT_RESERVED))
    g = torch.Generator().manual_seed(0)
    kinds = {"mask": 0, "kept": 0, "random": 0}
    for _ in range(600):
        mlm_input, chosen = wikitext.replace_mlm_tokens(tokens, list(range(2, 18)), 5, vocab, g)
        assert len(chosen) == 5 and len({p for p, _ in chosen}) == 5
        assert all(2 <= p < 18 and label == tokens[p] for p, label in chosen)
        picked = {p for p, _ in chosen}
        assert all(mlm_input[i] == tokens[i] for i in range(20) if i not in picked)
        for p in picked:
            kind = (
                "mask"
                if mlm_input[p] == "<mask>"
                else "kept"
                if mlm_input[p] == tokens[p]
                else "random"
            )
            kinds[kind] += 1
    n = sum(kinds.values())  # a random token is the same one by chance 1/25 of the time
    assert abs(kinds["mask"] / n - 0.8) < 0.02 and abs(kinds["random"] / n - 0.096) < 0.02
    _, chosen = wikitext.replace_mlm_tokens(tokens[:4], [1], 3, vocab, g)
    assert [p for p, _ in chosen] == [1]  # fewer candidates than predictions: all of them


@pytest.mark.parametrize(("length", "expected"), [(3, 1), (10, 2), (30, 4), (64, 10)])
def test_fifteen_percent_rounded_half_to_even_at_least_one(length, expected):
    tokens = ["<cls>", *(f"t{i % 7}" for i in range(length - 2)), "<sep>"]
    vocab = Vocab([tokens[1:-1]], reserved_tokens=list(BERT_RESERVED))
    ids, positions, labels = wikitext.get_mlm_data_from_tokens(tokens, vocab)
    assert expected == max(1, round(length * 0.15)) and len(positions) == expected
    assert positions == sorted(positions) and 0 not in positions and length - 1 not in positions
    assert labels == vocab[[tokens[p] for p in positions]] and len(ids) == length


def test_padded_examples_are_the_seven_tensors():
    vocab = Vocab([["x"]], reserved_tokens=list(BERT_RESERVED))
    examples = [([3, 5, 4, 5, 4], [1], [5], [0, 0, 0, 1, 1], True)]
    ids, seg, valid, pos, weights, labels, nsp = wikitext.pad_bert_inputs(examples, 10, vocab)
    pad = vocab["<pad>"]
    assert ids.tolist() == [[3, 5, 4, 5, 4] + [pad] * 5] and seg.tolist() == [
        [0, 0, 0, 1, 1] + [0] * 5
    ]
    assert valid.tolist() == [5] and valid.dtype == torch.int64
    assert pos.tolist() == [[1, 0]] and labels.tolist() == [[5, 0]]  # round(10 * 0.15) = 2 slots
    assert weights.dtype == torch.float32 and weights.tolist() == [[1.0, 0.0]]
    assert nsp.tolist() == [1]


def test_corpus_tensors_decode_back_to_pairs_of_the_corpus():
    paragraphs = _corpus(0)
    g = torch.Generator().manual_seed(0)
    (ids, seg, valid, pos, weights, labels, nsp), vocab = wikitext.bert_pretraining_tensors(
        paragraphs, 16, g
    )
    assert vocab.idx_to_token[:5] == ["<unk>", *BERT_RESERVED]
    sentences = {tuple(s.split()) for p in paragraphs for s in p}
    follows = {
        (tuple(p[i].split()), tuple(p[i + 1].split()))
        for p in paragraphs
        for i in range(len(p) - 1)
    }
    N, P = ids.shape[0], pos.shape[1]
    assert ids.shape == seg.shape == (N, 16) and P == 2 and weights.shape == labels.shape == (N, P)
    kinds = torch.zeros(3)
    for row in range(N):
        n = int(valid[row])
        real = weights[row].bool()
        k = int(real.sum())
        assert k == min(max(1, round(n * 0.15)), n - 3)
        p = pos[row][real].tolist()
        assert p == sorted(set(p)) and (pos[row][~real] == 0).all()
        original = ids[row].clone()
        original[pos[row][real]] = labels[row][real]  # undo the masking
        tokens = vocab.to_tokens(original[:n])
        first = tokens.index("<sep>")
        a, b = tuple(tokens[1:first]), tuple(tokens[first + 1 : n - 1])
        assert (
            tokens[0] == "<cls>" and tokens[n - 1] == "<sep>" and a in sentences and b in sentences
        )
        assert (ids[row, n:] == vocab["<pad>"]).all() and seg[row].tolist() == [0] * (first + 1) + [
            1
        ] * (n - first - 1) + [0] * (16 - n)
        if nsp[row]:
            assert (a, b) in follows
        for q in p:
            now = int(ids[row, q])
            kinds[0 if now == vocab["<mask>"] else 1 if now == int(original[q]) else 2] += 1
    assert abs(kinds[0] / kinds.sum() - 0.8) < 0.05 and 0.3 < nsp.float().mean() < 0.7


def test_load_data_wiki_serves_shuffled_batches_of_seven(store_file, zip_bytes):
    text = "\n".join(" " + " . ".join(p) + " \n" for p in _corpus(1, 40))
    root = store_file(
        "wikitext-2", "wikitext-2-v1.zip", zip_bytes({"wikitext-2/wiki.train.tokens": text})
    )
    loader, _ = wikitext.load_data_wiki(8, 20, root=root, seed=3)
    batch = next(iter(loader))
    assert len(batch) == 7 and batch[0].shape == (8, 20) and batch[3].shape == (8, 3)
    assert [t.dtype for t in batch] == [torch.int64] * 4 + [torch.float32] + [torch.int64] * 2
    again, _ = wikitext.load_data_wiki(8, 20, root=root, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(loader.tensors, again.tensors, strict=True))


def test_a_sorted_vocabulary_is_built_when_asked_and_the_layout_follows_it(store_file, zip_bytes):
    paragraphs = _corpus(0)
    g = torch.Generator().manual_seed(0)
    tensors, vocab = wikitext.bert_pretraining_tensors(paragraphs, 16, g, vocab_type=SortedVocab)
    by_frequency = wikitext.wiki_vocab([[s.split() for s in p] for p in paragraphs])
    assert isinstance(vocab, SortedVocab)
    assert vocab.idx_to_token == sorted(by_frequency.idx_to_token)  # the same tokens, sorted
    ids, valid = tensors[0], tensors[2]
    assert (ids[:, 0] == vocab["<cls>"]).all() and vocab["<cls>"] != by_frequency["<cls>"]
    last = ids[torch.arange(len(valid)), valid - 1]
    assert (last == vocab["<sep>"]).all()
    text = "\n".join(" " + " . ".join(p) + " \n" for p in _corpus(1, 40))
    root = store_file(
        "wikitext-2", "wikitext-2-v1.zip", zip_bytes({"wikitext-2/wiki.train.tokens": text})
    )
    _, loaded = wikitext.load_data_wiki(8, 20, root=root, seed=3, vocab_type=SortedVocab)
    assert isinstance(loaded, SortedVocab)
