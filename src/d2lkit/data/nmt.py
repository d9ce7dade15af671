"""English-French sentence pairs for machine translation (9.5).

``fra-eng``: the book's Tatoeba pairs, English then French, one pair a line,
tab-separated, read straight out of the verified zip. ``fr-en-small``: the
first edition's 20 pairs, French then English, already tokenised (tiny tests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.files import decode_text, read_text
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.text import Vocab

__all__ = [
    "NMT_RESERVED",
    "build_array_nmt",
    "load_data_nmt",
    "preprocess_nmt",
    "read_data_nmt",
    "tokenize_nmt",
    "truncate_pad",
]

Root = str | os.PathLike[str] | None
NMT_RESERVED = ("<pad>", "<bos>", "<eos>")
_SPACE_BEFORE = re.compile(r"(?<! )([,.!?])")  # punctuation not after a space


def read_data_nmt(root: Root = None, dataset: str = "fra-eng") -> str:
    """The raw text of the pairs: "fra-eng" (167,130 pairs) or "fr-en-small" (20)."""
    if dataset == "fra-eng":
        path = require("fra-eng", "fra-eng.zip", root)
        return decode_text(read_zip_member(path, "fra-eng/fra.txt"), f"{path}:fra-eng/fra.txt")
    if dataset == "fr-en-small":
        return read_text(require("fr-en-small", "fr-en-small.txt", root))
    raise ValueError(f"dataset must be 'fra-eng' or 'fr-en-small', got {dataset!r}")


def preprocess_nmt(text: str) -> str:
    """The book's cleaning: non-breaking spaces to spaces, lower case, a space before ,.!?"""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = _SPACE_BEFORE.sub(r" \1", text)
    return out[1:] if text[:1] in (",", ".", "!", "?") else out  # none before the first char


def tokenize_nmt(
    text: str, num_examples: int | None = None
) -> tuple[list[list[str]], list[list[str]]]:
    """Word tokens of the first ``num_examples`` pairs: (source, target) token lists.

    Lines that are not exactly two tab-separated columns are skipped. Unlike the
    book (whose loop lets one extra pair through) ``num_examples`` pairs come back.
    """
    source: list[list[str]] = []
    target: list[list[str]] = []
    for line in text.split("\n"):
        if num_examples is not None and len(source) >= num_examples:
            break
        parts = line.split("\t")
        if len(parts) == 2:
            source.append(parts[0].split(" "))
            target.append(parts[1].split(" "))
    return source, target


def _first_pairs(raw: str, num_examples: int | None) -> tuple[list[list[str]], list[list[str]]]:
    """``tokenize_nmt(preprocess_nmt(raw), n)``, cleaning only the lines it needs.

    Cleaning a prefix of the text gives a prefix of the cleaned text, so the
    first lines are enough unless some are skipped; then twice as many are tried.
    """
    lines = num_examples
    while True:
        end = len(raw)
        if lines is not None:  # the end of line number `lines`
            end = 0
            for _ in range(lines):
                newline = raw.find("\n", end)
                end = len(raw) if newline < 0 else newline + 1
                if newline < 0:
                    break
        pairs = tokenize_nmt(preprocess_nmt(raw[:end]), num_examples)
        if lines is None or len(pairs[0]) >= lines or end == len(raw):
            return pairs
        lines *= 2


def truncate_pad(line: Sequence[int], num_steps: int, padding_token: int) -> list[int]:
    """Cut ``line`` to ``num_steps`` tokens, or pad it to that length."""
    if len(line) > num_steps:
        return list(line[:num_steps])
    return [*line, *([padding_token] * (num_steps - len(line)))]


def build_array_nmt(
    lines: Sequence[Sequence[str]], vocab: Vocab, num_steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token lines to (N, num_steps) int64 indices ending in <eos>, and their valid lengths.

    Valid lengths count the tokens that are not <pad> (int32, as in the book).
    """
    eos, pad = vocab["<eos>"], vocab["<pad>"]
    array = torch.tensor(
        [truncate_pad([*vocab[list(line)], eos], num_steps, pad) for line in lines],
        dtype=torch.int64,
    ).reshape(-1, num_steps)
    valid_len = (array != pad).to(torch.int32).sum(1, dtype=torch.int32)
    return array, valid_len


def load_data_nmt(
    batch_size: int,
    num_steps: int,
    num_examples: int = 600,
    *,
    root: Root = None,
    dataset: str = "fra-eng",
    seed: int = 0,
    device: torch.device | str | None = None,
) -> tuple[TensorLoader, Vocab, Vocab]:
    """The book's translation loader of (X, X_valid_len, Y, Y_valid_len), and both vocabularies.

    Vocabularies keep tokens seen at least twice, after <unk> <pad> <bos> <eos>.
    """
    source, target = _first_pairs(read_data_nmt(root, dataset), num_examples)
    src_vocab = Vocab(source, min_freq=2, reserved_tokens=NMT_RESERVED)
    tgt_vocab = Vocab(target, min_freq=2, reserved_tokens=NMT_RESERVED)
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    loader = TensorLoader(
        src_array,
        src_valid_len,
        tgt_array,
        tgt_valid_len,
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        device=device,
    )
    return loader, src_vocab, tgt_vocab
