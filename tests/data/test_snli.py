"""SNLI (15.4): the book's sentence cleaning, labels, padded tensors and loaders."""

from __future__ import annotations

import pytest
import torch

from d2lkit.data import snli
from d2lkit.data.text import SortedVocab, Vocab
from d2lkit.errors import DataError

HEADER = "\t".join(
    [
        "gold_label",
        "sentence1_binary_parse",
        "sentence2_binary_parse",
        "sentence1_parse",
        "sentence2_parse",
        "sentence1",
        "sentence2",
        "captionID",
        "pairID",
        *(f"label{i}" for i in range(1, 6)),
    ]
)


def _row(label: str, premise_parse: str, hypothesis_parse: str) -> str:
    plain = (premise_parse.replace("( ", "").replace(" )", ""), "hyp")
    ids = ("3416050480.jpg#4", "3416050480.jpg#4r1n")
    parses = ("(ROOT (S ...))", "(ROOT (S ...))")
    return "\t".join([label, premise_parse, hypothesis_parse, *parses, *plain, *ids, label, label])


ROWS = [
    _row(
        "neutral",
        "( ( A person ) ( ( ( ( on ( a horse ) ) ( jumps ( over ( a ( broken ( down airplane ) ) ) "
        ") ) ) . ) )",
        "( ( A person ) ( ( is ( ( training ( his horse ) ) ( for ( a competition ) ) ) ) . ) )",
    ),
    _row("-", "( A ( man sleeps ) )", "( ( A man ) ( is awake ) )"),
    _row(
        "contradiction",
        "( ( A person ) ( on ( a horse ) ) )",
        "( ( A person ) ( is ( at home ) ) )",
    ),
    _row("entailment", "( ( A person ) ( on ( a horse ) ) )", "( ( A person ) ( is outdoors ) )"),
]
TEXT = "\n".join([HEADER, *ROWS]) + "\n"


def test_brackets_go_blank_runs_shrink_and_unlabelled_pairs_are_left_out():
    premises, hypotheses, labels = snli.parse_snli(TEXT)
    assert premises == [
        "A person on a horse jumps over a broken down airplane .",
        "A person on a horse",
        "A person on a horse",
    ]
    assert hypotheses == [
        "A person is training his horse for a competition .",
        "A person is at home",
        "A person is outdoors",
    ]
    assert labels.dtype == torch.int64 and labels.tolist() == [2, 1, 0]
    assert snli.SNLI_LABELS[2] == "neutral"


def test_a_file_that_is_not_snli_is_a_clear_error(tmp_path):
    path = tmp_path / "snli_1.0_train.txt"
    path.write_text("premise\thypothesis\n")
    with pytest.raises(DataError, match="SNLI's header"):
        snli.read_snli_file(path)
    path.write_text(f"{HEADER}\nneutral\tonly two columns\n")
    with pytest.raises(DataError, match="line 2: 2 tab-separated columns"):
        snli.read_snli_file(path)


def test_tensors_pad_with_pad_and_keep_words_seen_five_times():
    data = snli.parse_snli(TEXT)
    P, H, y, vocab = snli.snli_tensors(data, num_steps=6)
    # "A" and "person" appear 6 times, "a" 5, "horse" 4 (seen less than 5 times: <unk>)
    assert vocab.idx_to_token == ["<unk>", "<pad>", "A", "person", "a"]
    pad, A, person, a = 1, 2, 3, 4
    assert P.shape == H.shape == (3, 6) and P.dtype == torch.int64
    assert P[1].tolist() == [A, person, 0, a, 0, pad]  # on, horse are <unk>; then <pad>
    assert H[2].tolist() == [A, person, 0, 0, pad, pad] and torch.equal(y, data[2])
    shared = Vocab([["horse"]])  # a given vocabulary is used as it is
    P2, H2, _, same = snli.snli_tensors(data, 5, shared)
    assert same is shared and P2[1].tolist() == [0, 0, 0, 0, 1]
    assert H2[2].tolist() == [0] * 5  # no <pad> in it: 4 unknown words, padded with <unk>


def test_bert_pairs_are_lower_cased_cut_and_laid_out():
    data = (["A B C", "x"], ["E F Y", "Y z"], torch.tensor([0, 1]))
    tokens = ["<unk>", "<pad>", "<mask>", "<cls>", "<sep>", "a", "b", "e", "x", "y", "z"]
    vocab = Vocab()
    vocab.idx_to_token, vocab.token_to_idx = tokens, {t: i for i, t in enumerate(tokens)}
    ids, segments, valid, labels = snli.snli_bert_tensors(data, vocab, max_len=7)
    # 3 + 3 > 7 - 3: the tie drops the hypothesis's y, then the longer premise loses c
    assert ids[0].tolist() == [3, 5, 6, 4, 7, 0, 4]  # <cls> a b <sep> e f(<unk>) <sep>
    assert segments[0].tolist() == [0, 0, 0, 0, 1, 1, 1] and valid.tolist() == [7, 6]
    assert ids[1].tolist() == [3, 8, 4, 9, 10, 4, 1] and labels.tolist() == [0, 1]


def test_loaders_read_train_and_test_from_the_zip(store_file, zip_bytes):
    test_text = "\n".join([HEADER, ROWS[3], ROWS[0]]) + "\n"
    archive = zip_bytes(
        {
            "snli_1.0/snli_1.0_train.txt": TEXT,
            "snli_1.0/snli_1.0_test.txt": test_text,
            "__MACOSX/snli_1.0/._snli_1.0_train.txt": b"\x00\x05\x16\x07",
        }
    )
    root = store_file("snli", "snli_1.0.zip", archive)
    assert snli.read_snli("test", root)[2].tolist() == [0, 2]
    train, test, vocab = snli.load_data_snli(2, 5, root=root)
    P, H, y = next(iter(test))
    assert P.shape == H.shape == (2, 5) and y.tolist() == [0, 2]
    assert train.shuffle and not test.shuffle and len(vocab) == 5 and len(train) == 2
    with pytest.raises(ValueError, match="'train', 'dev' or 'test'"):
        snli.read_snli("valid", root)


def test_tensors_and_loaders_build_the_vocabulary_type_they_are_given(store_file, zip_bytes):
    data = snli.parse_snli(TEXT)
    P, _, _, vocab = snli.snli_tensors(data, num_steps=6, vocab_type=SortedVocab)
    assert vocab.idx_to_token == ["<pad>", "<unk>", "A", "a", "person"]  # the same 5, sorted
    pad, unk, A, a, person = range(5)
    assert P[1].tolist() == [A, person, unk, a, unk, pad]
    root = store_file(
        "snli",
        "snli_1.0.zip",
        zip_bytes({"snli_1.0/snli_1.0_train.txt": TEXT, "snli_1.0/snli_1.0_test.txt": TEXT}),
    )
    _, _, loaded = snli.load_data_snli(2, 5, root=root, vocab_type=SortedVocab)
    assert isinstance(loaded, SortedVocab) and loaded.idx_to_token == vocab.idx_to_token
