"""d2l 1.0's names of chapters 15-16 (NLP pretraining and applications) where they differ
from d2l 0.17's; the others are :mod:`d2lkit.compat.text_apps`' own objects.

Two things differ. BERT (15.8) is built from 1.0's ``TransformerEncoderBlock``
with 1.0's arguments (``num_blks``; no ``norm_shape``, ``ffn_num_input`` or
key/query/value sizes), and its heads take their input sizes from the first
call. And every vocabulary the loaders build is 1.0's ``d2l.Vocab``, which
sorts its tokens (:class:`~d2lkit.data.text.SortedVocab`) where 0.17's orders
them by frequency: the code is the same, the indices are not.
"""

from __future__ import annotations

from typing import Any

from d2lkit.compat.book import _seed
from d2lkit.compat.text_apps import SNLIDataset as _SNLIDataset
from d2lkit.compat.text_apps import _PairBatches
from d2lkit.compat.text_apps import _WikiTextDataset as _WikiTextDataset017
from d2lkit.data import TensorLoader
from d2lkit.data import imdb as _imdb
from d2lkit.data import ptb as _ptb
from d2lkit.data import snli as _snli
from d2lkit.data import wikitext as _wikitext
from d2lkit.data.text import SortedVocab, Vocab
from d2lkit.models import bert as _bert

__all__ = [
    "BERTEncoder",
    "BERTModel",
    "MaskLM",
    "NextSentencePred",
    "SNLIDataset",
    "_WikiTextDataset",
    "load_data_imdb",
    "load_data_ptb",
    "load_data_snli",
    "load_data_wiki",
]

# --- 15.3 the word-embedding data set (PTB) ----------------------------------------------


def load_data_ptb(
    batch_size: int, max_window_size: int, num_noise_words: int
) -> tuple[_ptb.PTBLoader, Vocab]:
    """(shuffled loader of (centers, contexts_negatives, masks, labels), sorted vocabulary).

    Noise words are drawn among indices 1.. as the book's ``get_negatives``: with the
    sorted vocabulary, index 0 is the first word in sort order (``<unk>`` is never drawn:
    its count is 0).
    """
    return _ptb.load_data_ptb(
        batch_size, max_window_size, num_noise_words, seed=_seed(), vocab_type=SortedVocab
    )


# --- 15.8 BERT ---------------------------------------------------------------------------


class BERTEncoder(_bert.BERTEncoder):
    """``BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
    max_len=1000)``: embeddings, then ``num_blks`` 1.0 ``TransformerEncoderBlock`` s (with bias).

    The position embeddings learn, as in 1.0 (0.17 added their ``.data``).
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_blks: int,
        dropout: float,
        max_len: int = 1000,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, max_len
        )


class MaskLM(_bert.MaskLM):
    """``MaskLM(vocab_size, num_hiddens)``: its first layer takes its input size from the
    first call (lazy, as 1.0's)."""

    def __init__(self, vocab_size: int, num_hiddens: int, **kwargs: Any) -> None:
        super().__init__(vocab_size, num_hiddens, None)


class NextSentencePred(_bert.NextSentencePred):
    """``NextSentencePred()``: two logits; the input size comes from the first call (lazy)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(None)


class BERTModel(_bert.BERTModel):
    """``BERTModel(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
    max_len=1000)``: the encoder, the ``<cls>`` layer and both heads.

    The heads' and the ``<cls>`` layer's inputs are always ``num_hiddens`` wide, so
    they are sized at once (1.0 makes them lazy: the same layers after the first call).
    The parameter names are the book's, so its ``bert.small`` weights load.
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_blks: int,
        dropout: float,
        max_len: int = 1000,
    ) -> None:
        super().__init__(
            vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, max_len
        )


# --- 15.9 the pretraining data (WikiText-2) -----------------------------------------------


class _WikiTextDataset(_WikiTextDataset017):
    """``_WikiTextDataset(paragraphs, max_len)`` with 1.0's sorted vocabulary."""

    vocab_type = SortedVocab


def load_data_wiki(batch_size: int, max_len: int) -> tuple[TensorLoader, Vocab]:
    """(shuffled loader of the seven pretraining tensors, sorted vocabulary) over WikiText-2."""
    loader, vocab = _wikitext.load_data_wiki(
        batch_size, max_len, seed=_seed(), vocab_type=SortedVocab
    )
    tensors = list(loader.tensors)
    tensors[2] = tensors[2].float()  # the book's valid lengths are float32
    loader.tensors = tuple(tensors)
    return loader, vocab


# --- 16.1 sentiment analysis ----------------------------------------------------------------


def load_data_imdb(
    batch_size: int, num_steps: int = 500
) -> tuple[TensorLoader, TensorLoader, Vocab]:
    """(train loader, test loader, sorted vocabulary) over the full aclImdb, from the store.

    Reviews are padded with ``<unk>``'s index, as the book's (its vocabulary has no ``<pad>``).
    """
    return _imdb.load_data_imdb(batch_size, num_steps, seed=_seed(), vocab_type=SortedVocab)


# --- 16.4 natural language inference ----------------------------------------------------------


class SNLIDataset(_SNLIDataset):
    """``SNLIDataset(dataset, num_steps, vocab=None)``; builds 1.0's sorted vocabulary."""

    vocab_type = SortedVocab


def load_data_snli(
    batch_size: int, num_steps: int = 50
) -> tuple[_PairBatches, _PairBatches, Vocab]:
    """(train loader, test loader, sorted vocabulary); batches ``([premises, hypotheses], y)``."""
    train, test, vocab = _snli.load_data_snli(
        batch_size, num_steps, seed=_seed(), vocab_type=SortedVocab
    )
    print(f"read {train.num_examples} examples")
    print(f"read {test.num_examples} examples")
    return _PairBatches(train), _PairBatches(test), vocab
