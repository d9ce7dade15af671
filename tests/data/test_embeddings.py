"""Pretrained word vectors (14.7): GloVe and fastText text files, read from the store's zip."""

from __future__ import annotations

import random

import pytest
import torch

from d2lkit.data import embeddings, store
from d2lkit.errors import ConfigError, DataError


def _glove_text(rng: random.Random, words: list[str], dim: int) -> tuple[str, list[list[float]]]:
    rows = [[round(rng.uniform(-2, 2), 6) for _ in range(dim)] for _ in words]
    lines = [" ".join([w, *map(str, row)]) for w, row in zip(words, rows, strict=True)]
    return "\n".join(lines) + "\n", rows


WORDS = ["the", ",", "beautiful", "chip", '"', "null", "nan", "naïve"]


def test_glove_zip_in_the_store_gives_unk_zeros_then_every_word(store_file, zip_bytes):
    text, rows = _glove_text(random.Random(0), WORDS, 50)
    root = store_file("glove.6b.50d", "glove.6B.50d.zip", zip_bytes({"glove.6B.50d/vec.txt": text}))
    emb = embeddings.load_token_embedding("glove.6b.50d", root)
    assert len(emb) == len(WORDS) + 1 and emb.dim == 50
    assert emb.idx_to_token == ["<unk>", *WORDS]  # '"', "null" and "nan" stay words
    expected = torch.tensor([[0.0] * 50, *rows], dtype=torch.float32)  # Python's float()
    assert emb.idx_to_vec.dtype == torch.float32 and torch.equal(emb.idx_to_vec, expected)
    assert emb.token_to_idx["beautiful"] == 3
    assert torch.equal(emb[["chip", "not-a-word"]], torch.stack([expected[4], expected[0]]))
    assert torch.equal(emb["naïve"], expected[8])


def test_fasttext_header_line_and_trailing_spaces_are_skipped(tmp_path):
    path = tmp_path / "vec.txt"
    path.write_text("3 4 \nhello 1 2 3 4 \nworld 0.5 -1 2e-3 7 \nhello 9 9 9 9 \n")
    emb = embeddings.read_vectors_file(path)
    assert emb.idx_to_token == ["<unk>", "hello", "world", "hello"]
    assert emb.token_to_idx["hello"] == 3  # a repeated word keeps its last row, as in the book
    assert emb[["world"]].tolist() == [[0.5, -1.0, pytest.approx(2e-3), 7.0]]


def test_a_ragged_or_non_numeric_file_is_a_clear_data_error(tmp_path):
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("a 1 2 3\nb 1 2\nc 1 2 3 4 5\n")
    with pytest.raises(DataError, match="is not a word-vector file") as info:
        embeddings.read_vectors_file(ragged)
    assert str(ragged) in info.value.message and "GloVe or fastText" in info.value.fix
    words = tmp_path / "words.txt"
    words.write_text("a 1 x 3\nb 1 2 3\n")
    with pytest.raises(DataError, match="not a number"):
        embeddings.read_vectors_file(words)


def test_unknown_name_and_missing_file_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"glove\.6b\.50d, glove\.6b\.100d"):
        embeddings.load_token_embedding("glove.6b.25d", tmp_path)
    with pytest.raises(store.DataSetUnavailable) as info:
        embeddings.load_token_embedding("glove.6b.100d", tmp_path, download=False)
    assert "glove.6B.100d.zip" in info.value.fix and str(tmp_path / "d2l") in info.value.fix
