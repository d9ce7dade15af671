"""The book's pretrained BERT files (15.7): the vocabulary and the parameters, from the store.

``bert.small.torch.zip`` (and ``bert.base.torch.zip``) hold
``<stem>/vocab.json`` (the tokens in index order) and
``<stem>/pretrained.params`` (a state dict of the book's ``BERTModel``).
They are read from the zip in place; the parameters are loaded with
``torch.load(weights_only=True)``: tensors only, no code runs.
"""

from __future__ import annotations

import io
import json
import os
import pickle

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.files import decode_text
from d2lkit.data.text import Vocab
from d2lkit.errors import ConfigError, DataError

__all__ = ["PRETRAINED_BERT", "read_pretrained_bert"]

Root = str | os.PathLike[str] | None
# data set -> its zip (the book's DATA_HUB names)
PRETRAINED_BERT = {"bert.small": "bert.small.torch.zip", "bert.base": "bert.base.torch.zip"}


def read_pretrained_bert(
    name: str = "bert.small", root: Root = None, *, download: bool = True
) -> tuple[Vocab, dict[str, torch.Tensor]]:
    """(vocabulary, parameters by name) of the book's pretrained ``bert.small`` or ``bert.base``.

    Downloaded into the store on first use unless ``download=False``; without
    a network, one message names the file, its URL and the folder to put it in.
    """
    if name not in PRETRAINED_BERT:
        raise ConfigError(
            f"unknown pretrained BERT {name!r}", fix=f"use one of: {', '.join(PRETRAINED_BERT)}"
        )
    file = PRETRAINED_BERT[name]
    path = require(name, file, root, download=download)
    stem = file.removesuffix(".zip")
    refetch = f"delete {path} and fetch it again (`d2lkit data fetch {name}`)"
    member = f"{stem}/vocab.json"
    try:
        tokens = json.loads(decode_text(read_zip_member(path, member), f"{path}:{member}"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{member} is not JSON ({exc})", fix=refetch) from None
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise DataError(f"{path}:{member} is not a list of tokens", fix=refetch)
    member = f"{stem}/pretrained.params"
    raw = read_zip_member(path, member)
    try:
        state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise DataError(
            f"{path}:{member} is not a state dict of tensors ({exc})", fix=refetch
        ) from None
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise DataError(f"{path}:{member} is not a state dict of tensors", fix=refetch)
    return Vocab.from_tokens(tokens), dict(state)
