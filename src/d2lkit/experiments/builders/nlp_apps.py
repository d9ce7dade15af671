"""Chapter 15's data sets for recipes: IMDb reviews (15.1) and SNLI sentence pairs (15.4, 15.7).

Each builds its vocabulary from the training text and, for the GloVe recipes,
puts the pretrained vectors of that vocabulary into the model once it is
built (:attr:`RunData.prepare_model`): a model with ``use_pretrained_embedding``
(15.2's BiRNN freezes them, 15.3's textCNN freezes its constant copy) gets them
that way, any other has them copied into its ``embedding`` (15.5 trains them
on). ``embedding=None`` trains from random vectors. The callbacks get a few
held-out examples and a function that encodes new text as the model reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.data.bert_inputs import encode_bert_pairs
from d2lkit.data.embeddings import load_token_embedding
from d2lkit.data.imdb import read_imdb_splits
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.pretrained_bert import read_pretrained_bert
from d2lkit.data.snli import SNLI_LABELS, SNLIData, read_snli, snli_bert_tensors, snli_tensors
from d2lkit.data.text import Vocab, encode_padded, tokenize
from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["glove_setup", "held_out"]

PairEncoder = Callable[[Sequence[str], Sequence[str]], tuple[torch.Tensor, ...]]


def glove_setup(
    vocab: Vocab, embedding: str | None, root: Root
) -> Callable[[nn.Module], None] | None:
    """What puts the pretrained vectors of ``vocab``'s tokens into a built model (see module)."""
    if embedding is None:
        return None
    vectors = load_token_embedding(embedding, root)[vocab.idx_to_token]  # (V, d)

    def prepare(model: nn.Module) -> None:
        use = getattr(model, "use_pretrained_embedding", None)
        if use is not None:
            use(vectors)
            return
        table = getattr(model, "embedding", None)
        if not isinstance(table, nn.Embedding) or table.weight.shape != vectors.shape:
            raise ConfigError(
                f"{type(model).__name__} has no embedding of shape {tuple(vectors.shape)} for "
                f"the {embedding} vectors",
                fix="use a model with an embedding of the vectors' size, or data.embedding=none",
            )
        with torch.no_grad():
            table.weight.copy_(vectors)

    return prepare


def held_out(texts: Sequence[Any], labels: torch.Tensor, n: int) -> list[tuple[Any, int]]:
    """``n`` examples spread through a split (both classes of a sorted IMDb split)."""
    index = torch.linspace(0, len(texts) - 1, min(n, len(texts))).round().long().tolist()
    return [(texts[i], int(labels[i])) for i in index]


def _imdb(
    dataset: str, config: DataConfig, device: torch.device, seed: int, root: Root,
    num_steps: int, embedding: str | None,
) -> RunData:  # fmt: skip
    splits = read_imdb_splits(dataset, root)
    train_tokens, test_tokens = tokenize(splits["train"][0]), tokenize(splits["test"][0])
    vocab = Vocab(train_tokens, min_freq=5)
    train = TensorLoader(
        encode_padded(train_tokens, vocab, num_steps), splits["train"][1],
        batch_size=config.batch_size, shuffle=True, seed=seed, device=device,
    )  # fmt: skip
    test = TensorLoader(
        encode_padded(test_tokens, vocab, num_steps), splits["test"][1],
        batch_size=config.eval_batch_size or config.batch_size, device=device,
    )  # fmt: skip
    return RunData(
        train,
        {"test": test},
        model_kwargs={"vocab_size": len(vocab)},
        extras={"vocab": vocab, "reviews": held_out(*splits["test"], 8)},
        prepare_model=glove_setup(vocab, embedding, root),
    )


@register_data("aclimdb", files="aclimdb")
def _aclimdb(
    config: DataConfig, *, device: torch.device, seed: int, root: Root,
    num_steps: int = 500, embedding: str | None = "glove.6b.100d",
) -> RunData:  # fmt: skip
    """IMDb's 25,000 + 25,000 reviews as ``num_steps`` word ids (15.1), GloVe 100-d by default."""
    return _imdb("aclimdb", config, device, seed, root, num_steps, embedding)


@register_data("aclimdb-tiny", files="aclimdb-tiny")
def _aclimdb_tiny(
    config: DataConfig, *, device: torch.device, seed: int, root: Root,
    num_steps: int = 500, embedding: str | None = "glove.6b.100d",
) -> RunData:  # fmt: skip
    """The first edition's 20 + 20 review sample, read as the full set is."""
    return _imdb("aclimdb-tiny", config, device, seed, root, num_steps, embedding)


def _pairs(data: SNLIData, n: int) -> list[tuple[tuple[str, str], int]]:
    return held_out(list(zip(data[0], data[1], strict=True)), data[2], n)


@register_data("snli", files="snli")
def _snli(
    config: DataConfig, *, device: torch.device, seed: int, root: Root,
    num_steps: int = 50, embedding: str | None = "glove.6b.100d",
) -> RunData:  # fmt: skip
    """SNLI's pairs as ``(premises (B, T), hypotheses (B, T), labels)`` (15.4), GloVe 100-d."""
    *train, vocab = snli_tensors(read_snli("train", root), num_steps)
    test_data = read_snli("test", root)
    *test, _ = snli_tensors(test_data, num_steps, vocab)

    def encode(premise: Sequence[str], hypothesis: Sequence[str]) -> tuple[torch.Tensor, ...]:
        return (torch.tensor([vocab[list(premise)]]), torch.tensor([vocab[list(hypothesis)]]))

    return RunData(
        TensorLoader(*train, batch_size=config.batch_size, shuffle=True, seed=seed, device=device),
        {
            "test": TensorLoader(
                *test, batch_size=config.eval_batch_size or config.batch_size, device=device
            )
        },
        model_kwargs={"vocab_size": len(vocab)},
        extras={"encode_pair": encode, "pairs": _pairs(test_data, 6), "labels": SNLI_LABELS},
        prepare_model=glove_setup(vocab, embedding, root),
    )


@register_data("snli-bert", files="snli")
def _snli_bert(
    config: DataConfig, *, device: torch.device, seed: int, root: Root,
    max_len: int = 128, pretrained: str = "bert.small",
) -> RunData:  # fmt: skip
    """SNLI's pairs for a pretrained BERT (15.7): ``(tokens, segments, valid_lens, labels)``.

    Lower-cased, cut to ``max_len`` tokens, laid out ``<cls> premise <sep>
    hypothesis <sep>`` in the vocabulary of the ``pretrained`` BERT.
    """
    vocab, _ = read_pretrained_bert(pretrained, root)
    train = snli_bert_tensors(read_snli("train", root), vocab, max_len)
    test_data = read_snli("test", root)
    test = snli_bert_tensors(test_data, vocab, max_len)

    def encode(premise: Sequence[str], hypothesis: Sequence[str]) -> tuple[torch.Tensor, ...]:
        pair = ([w.lower() for w in premise], [w.lower() for w in hypothesis])
        return encode_bert_pairs([pair], vocab, max_len)

    kwargs: dict[str, Any] = {} if root is None else {"root": str(root)}
    return RunData(
        TensorLoader(*train, batch_size=config.batch_size, shuffle=True, seed=seed, device=device),
        {
            "test": TensorLoader(
                *test, batch_size=config.eval_batch_size or config.batch_size, device=device
            )
        },
        model_kwargs=kwargs,
        extras={"encode_pair": encode, "pairs": _pairs(test_data, 6), "labels": SNLI_LABELS},
    )
