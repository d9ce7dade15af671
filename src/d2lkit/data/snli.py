"""The Stanford Natural Language Inference corpus (15.4): premise, hypothesis, label.

Sentences come from the binary-parse columns with the brackets taken out,
as the book does; pairs whose gold label is ``-`` (no consensus) are left
out. Labels: 0 entailment, 1 contradiction, 2 neutral. The text files are
read from ``snli_1.0.zip`` in place.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.bert_inputs import encode_bert_pairs
from d2lkit.data.files import decode_text
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.text import Vocab, encode_padded, tokenize
from d2lkit.errors import DataError

__all__ = [
    "SNLI_LABELS",
    "SNLIData",
    "load_data_snli",
    "parse_snli",
    "read_snli",
    "read_snli_file",
    "snli_bert_tensors",
    "snli_tensors",
]

Root = str | os.PathLike[str] | None
SNLI_LABELS = ("entailment", "contradiction", "neutral")
SNLIData = tuple[list[str], list[str], torch.Tensor]  # premises, hypotheses, labels (N,)
_FILES = {"train": "snli_1.0_train.txt", "dev": "snli_1.0_dev.txt", "test": "snli_1.0_test.txt"}
_LABEL_IDS = {label: i for i, label in enumerate(SNLI_LABELS)}
_NO_BRACKETS = str.maketrans("", "", "()")
_RUNS = re.compile(r"\s{2,}")


def _sentence(parse: str) -> str:
    # The book's three substitutions: drop "(", drop ")", runs of 2+ blanks become one space.
    return _RUNS.sub(" ", parse.translate(_NO_BRACKETS)).strip()


def parse_snli(text: str, source: str = "SNLI text") -> SNLIData:
    """Premises, hypotheses and labels of an SNLI ``.txt`` file's text (header line first)."""
    lines = text.split("\n")
    if not lines[0].startswith("gold_label\t"):
        raise DataError(
            f"{source} does not start with SNLI's header (gold_label, sentence1_binary_parse, ...)",
            fix="use one of the snli_1.0_*.txt files of snli_1.0.zip",
        )
    premises, hypotheses, labels = [], [], []
    for number, line in enumerate(lines[1:], 2):
        row = line.split("\t")
        if row[0] not in _LABEL_IDS:
            continue  # "-": the annotators did not agree; or the empty last line
        if len(row) < 3:
            raise DataError(
                f"{source}, line {number}: {len(row)} tab-separated columns, not SNLI's 14",
                fix="use one of the snli_1.0_*.txt files of snli_1.0.zip",
            )
        premises.append(_sentence(row[1]))
        hypotheses.append(_sentence(row[2]))
        labels.append(_LABEL_IDS[row[0]])
    return premises, hypotheses, torch.tensor(labels, dtype=torch.int64)


def read_snli(split: str = "train", root: Root = None, *, download: bool = True) -> SNLIData:
    """SNLI's ``train`` (549,367 labelled pairs), ``dev`` or ``test`` (9,824) split."""
    if split not in _FILES:
        raise ValueError(f"split must be 'train', 'dev' or 'test', got {split!r}")
    path = require("snli", "snli_1.0.zip", root, download=download)
    member = f"snli_1.0/{_FILES[split]}"
    return parse_snli(decode_text(read_zip_member(path, member), f"{path}:{member}"), member)


def read_snli_file(path: str | os.PathLike[str]) -> SNLIData:
    """An SNLI ``.txt`` file on disk (e.g. the book's extracted ``snli_1.0/`` folder)."""
    return parse_snli(decode_text(Path(path).read_bytes(), str(path)), str(path))


def snli_tensors(
    data: SNLIData,
    num_steps: int,
    vocab: Vocab | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, Vocab]:
    """(premise ids ``(N, T)``, hypothesis ids ``(N, T)``, labels ``(N,)``, vocabulary).

    Words split on whitespace; without a ``vocab``, a ``vocab_type`` (``Vocab``, or
    the English edition's ``SortedVocab``) is built from both sides' words seen 5
    times or more, with ``<pad>`` reserved (the book's SNLIDataset).
    """
    premises, hypotheses = tokenize(data[0]), tokenize(data[1])
    if vocab is None:
        vocab = vocab_type(premises + hypotheses, min_freq=5, reserved_tokens=["<pad>"])
    P = encode_padded(premises, vocab, num_steps)
    H = encode_padded(hypotheses, vocab, num_steps)
    return P, H, data[2], vocab


def snli_bert_tensors(
    data: SNLIData, vocab: Vocab, max_len: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(token ids, segments, valid lengths, labels) of lower-cased pairs for BERT (15.7)."""
    pairs = list(
        zip(
            tokenize([s.lower() for s in data[0]]),
            tokenize([s.lower() for s in data[1]]),
            strict=True,
        )
    )
    return (*encode_bert_pairs(pairs, vocab, max_len), data[2])


def load_data_snli(
    batch_size: int,
    num_steps: int = 50,
    *,
    root: Root = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[TensorLoader, TensorLoader, Vocab]:
    """(shuffled train loader, test loader, vocabulary) of (premises, hypotheses, labels).

    Batches are flat tuples ``(P (B, T), H (B, T), y (B,))``; the vocabulary (a
    ``vocab_type``) is the training set's.
    """
    *train, vocab = snli_tensors(read_snli("train", root), num_steps, vocab_type=vocab_type)
    *test, _ = snli_tensors(read_snli("test", root), num_steps, vocab)
    return (
        TensorLoader(*train, batch_size=batch_size, shuffle=True, seed=seed, device=device),
        TensorLoader(*test, batch_size=batch_size, device=device),
        vocab,
    )
