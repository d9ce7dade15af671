"""Machine translation pairs (9.5): reading, cleaning, tokens, padding, the loader."""

from __future__ import annotations

import pytest
import torch

from d2lkit.data import nmt
from d2lkit.data.text import Vocab


@pytest.fixture(scope="module")
def raw(data_root):
    return nmt.read_data_nmt(data_root)


def _book_preprocess(text: str) -> str:
    """The book's character loop, kept here as the reference."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    return "".join(
        " " + c if i > 0 and c in ",.!?" and text[i - 1] != " " else c for i, c in enumerate(text)
    )


def test_fra_eng_holds_167130_tab_separated_pairs(raw):
    assert len(raw) == 11489286
    assert raw.startswith("Go.\tVa !\nHi.\tSalut !\nRun!\tCours\u202f!\n")
    lines = raw.split("\n")
    assert sum(line.count("\t") == 1 for line in lines) == 167130
    assert lines[-2].startswith("It may be impossible to get a completely error-free corpus")


def test_cleaning_matches_the_book_character_by_character(raw):
    sample = raw[:200_000]
    assert nmt.preprocess_nmt(sample) == _book_preprocess(sample)
    for tricky in ("", ".", "!!", " .a", "a.", "x\n.y\t!z", "Ça\xa0va\u202f?"):
        assert nmt.preprocess_nmt(tricky) == _book_preprocess(tricky), tricky
    assert nmt.preprocess_nmt(raw[:34]) == "go .\tva !\nhi .\tsalut !\nrun !\tcours !\n"


def test_tokenize_first_and_last_pairs(raw):
    source, target = nmt.tokenize_nmt(nmt.preprocess_nmt(raw[:200]), 3)
    assert source == [["go", "."], ["hi", "."], ["run", "!"]]
    assert target == [["va", "!"], ["salut", "!"], ["cours", "!"]]
    last_src, last_tgt = nmt.tokenize_nmt(nmt.preprocess_nmt(raw[raw.rindex("\n", 0, -1) + 1 :]))
    assert last_src[0][:6] == ["it", "may", "be", "impossible", "to", "get"]
    assert last_tgt[0][:4] == ["il", "est", "peut-être", "impossible"]


def test_tokenize_returns_exactly_num_examples_and_skips_malformed_lines():
    text = "a\tb\nno tab here\nc\td\ne\tf\tg\nh\ti\n"
    assert nmt.tokenize_nmt(text, 2) == ([["a"], ["c"]], [["b"], ["d"]])
    assert nmt.tokenize_nmt(text)[0] == [["a"], ["c"], ["h"]]


def test_truncate_pad_and_build_array_with_valid_lengths():
    assert nmt.truncate_pad([1, 2, 3], 5, 0) == [1, 2, 3, 0, 0]
    assert nmt.truncate_pad([1, 2, 3, 4, 5, 6], 4, 0) == [1, 2, 3, 4]
    vocab = Vocab([["i", "am", "here"], ["i"]], reserved_tokens=list(nmt.NMT_RESERVED))
    array, valid = nmt.build_array_nmt([["i", "am"], ["here", "i", "am", "so"]], vocab, 4)
    eos, pad, unk = vocab["<eos>"], vocab["<pad>"], vocab.unk
    assert array.tolist() == [
        [vocab["i"], vocab["am"], eos, pad],
        [vocab["here"], vocab["i"], vocab["am"], unk],
    ]
    assert valid.tolist() == [3, 4] and valid.dtype == torch.int32 and array.dtype == torch.int64


def test_load_data_nmt_batches_and_vocabularies(data_root):
    loader, src_vocab, tgt_vocab = nmt.load_data_nmt(2, 8, root=data_root)
    assert len(src_vocab) == 184 and len(tgt_vocab) == 201 and len(loader) == 300
    assert src_vocab.idx_to_token[:5] == ["<unk>", "<pad>", "<bos>", "<eos>", "."]
    X, X_valid_len, Y, Y_valid_len = next(iter(loader))
    assert X.shape == Y.shape == (2, 8) and X_valid_len.shape == Y_valid_len.shape == (2,)
    for row, n in zip(X, X_valid_len, strict=True):
        assert row[int(n) - 1] == src_vocab["<eos>"] or n == 8
        assert (row[int(n) :] == src_vocab["<pad>"]).all()


def test_fr_en_small_pairs_are_french_then_english(data_root):
    text = nmt.read_data_nmt(data_root, "fr-en-small")
    source, target = nmt.tokenize_nmt(nmt.preprocess_nmt(text))
    assert len(source) == 20
    assert source[0] == ["elle", "est", "vieille", "."] and target[0] == ["she", "is", "old", "."]
    assert source[-1][-2:] == ["amis", "."] and target[-1] == [
        "they",
        "are",
        "great",
        "friends",
        ".",
    ]
    loader, src_vocab, tgt_vocab = nmt.load_data_nmt(4, 6, dataset="fr-en-small", root=data_root)
    assert len(loader) == 5 and len(src_vocab) == 14 and len(tgt_vocab) == 13
    with pytest.raises(ValueError, match="fra-eng"):
        nmt.read_data_nmt(data_root, "de-en")
