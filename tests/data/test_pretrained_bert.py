"""The book's pretrained BERT files (15.7): vocabulary and tensors from the zip, clear errors."""

from __future__ import annotations

import io
import json

import pytest
import torch

from d2lkit.data import pretrained_bert, store
from d2lkit.errors import ConfigError, DataError


def _zip(zip_bytes, vocab: object, state: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return zip_bytes(
        {
            "bert.small.torch/vocab.json": json.dumps(vocab),
            "bert.small.torch/pretrained.params": buffer.getvalue(),
        }
    )


def test_vocabulary_in_index_order_and_tensors_by_name(store_file, zip_bytes):
    state = {
        "nsp.output.bias": torch.tensor([0.5, -0.5]),
        "encoder.pos_embedding": torch.ones(1, 3, 2),
    }
    root = store_file(
        "bert.small", "bert.small.torch.zip", _zip(zip_bytes, ["<unk>", "<pad>", "the"], state)
    )
    vocab, loaded = pretrained_bert.read_pretrained_bert("bert.small", root)
    assert vocab.idx_to_token == ["<unk>", "<pad>", "the"] and vocab["the"] == 2
    assert vocab["never-seen"] == 0 and len(vocab) == 3
    assert loaded.keys() == state.keys() and torch.equal(
        loaded["nsp.output.bias"], state["nsp.output.bias"]
    )


def test_files_that_are_not_a_vocabulary_and_tensors_are_refused(store_file, zip_bytes):
    root = store_file("bert.small", "bert.small.torch.zip", _zip(zip_bytes, {"a": 1}, {}))
    with pytest.raises(DataError, match="not a list of tokens") as info:
        pretrained_bert.read_pretrained_bert("bert.small", root)
    assert "d2lkit data fetch bert.small" in info.value.fix
    root = store_file(
        "bert.small", "bert.small.torch.zip", _zip(zip_bytes, ["<unk>"], {"w": "text"})
    )
    with pytest.raises(DataError, match="not a state dict of tensors"):
        pretrained_bert.read_pretrained_bert("bert.small", root)


def test_unknown_name_and_no_file_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"bert\.small, bert\.base"):
        pretrained_bert.read_pretrained_bert("bert.large", tmp_path)
    with pytest.raises(store.DataSetUnavailable) as info:
        pretrained_bert.read_pretrained_bert("bert.base", tmp_path, download=False)
    assert "https://d2l-data.s3-accelerate.amazonaws.com/bert.base.torch.zip" in info.value.fix
    assert str(tmp_path / "d2l") in info.value.fix
