"""The book's names of chapters 14-15 (NLP pretraining and applications) and its GAN
updates, with d2l 0.17's signatures, each adapting a d2lkit piece.

Lists come back where the book returns lists, tensors where it returns tensors;
random draws use torch's global generator (``torch.manual_seed`` governs them),
where the book uses Python's ``random``. See docs/compat.md for the differences.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from d2lkit.compat.book import EncoderBlock, _seed
from d2lkit.data import TensorLoader
from d2lkit.data import embeddings as _embeddings
from d2lkit.data import imdb as _imdb
from d2lkit.data import ptb as _ptb
from d2lkit.data import snli as _snli
from d2lkit.data import wikitext as _wikitext
from d2lkit.data.bert_inputs import get_tokens_and_segments
from d2lkit.data.text import Vocab
from d2lkit.models import bert as _bert
from d2lkit.models import nli as _nli
from d2lkit.models import sentiment as _sentiment
from d2lkit.train.gan import update_D, update_G
from d2lkit.train.text_tasks import bert_pretraining_loss

__all__ = [
    "BERTEncoder",
    "BERTModel",
    "MaskLM",
    "NextSentencePred",
    "RandomGenerator",
    "SNLIDataset",
    "TokenEmbedding",
    "_WikiTextDataset",
    "_get_batch_loss_bert",
    "_get_mlm_data_from_tokens",
    "_get_next_sentence",
    "_get_nsp_data_from_paragraph",
    "_pad_bert_inputs",
    "_read_wiki",
    "_replace_mlm_tokens",
    "batchify",
    "get_centers_and_contexts",
    "get_negatives",
    "get_tokens_and_segments",
    "load_data_imdb",
    "load_data_ptb",
    "load_data_snli",
    "load_data_wiki",
    "predict_sentiment",
    "predict_snli",
    "read_imdb",
    "read_ptb",
    "read_snli",
    "subsample",
    "update_D",
    "update_G",
]

# --- 14.3 the word-embedding data set (PTB) ----------------------------------------

subsample = _ptb.subsample
batchify = _ptb.batchify
RandomGenerator = _ptb.RandomGenerator


def read_ptb() -> list[list[str]]:
    """PTB's training sentences as word lists: 42,069, the book's count.

    The book splits the text on ``'\\n'`` and so keeps an empty last sentence after
    the final line break; so does this.
    """
    return [*_ptb.read_ptb("train"), []]


def get_centers_and_contexts(
    corpus: Sequence[Sequence[int]], max_window_size: int
) -> tuple[list[int], list[list[int]]]:
    """(center words, the context words of each), as lists."""
    centers, contexts = _ptb.get_centers_and_contexts(corpus, max_window_size)
    return centers.tolist(), contexts.tolist()


def get_negatives(
    all_contexts: Sequence[Sequence[int]], vocab: Vocab, counter: Mapping[str, int], K: int
) -> list[list[int]]:
    """``K`` noise words per context word of each center, as lists."""
    ragged = _ptb.Ragged.from_lists(all_contexts)
    return _ptb.get_negatives(ragged, vocab, counter, K).tolist()


def load_data_ptb(
    batch_size: int, max_window_size: int, num_noise_words: int
) -> tuple[_ptb.PTBLoader, Vocab]:
    """(shuffled loader of (centers, contexts_negatives, masks, labels), vocabulary)."""
    return _ptb.load_data_ptb(batch_size, max_window_size, num_noise_words, seed=_seed())


# --- 14.7 pretrained word vectors --------------------------------------------------------


class TokenEmbedding(_embeddings.TokenEmbedding):
    """``TokenEmbedding('glove.6b.50d')``: vectors from the store (``glove.6b.100d``,
    ``glove.42b.300d``, ``wiki.en`` too); ``emb[tokens]`` ``(n, d)``, ``len(emb)``."""

    def __init__(self, embedding_name: str) -> None:
        loaded = _embeddings.load_token_embedding(embedding_name)
        super().__init__(loaded.idx_to_token, loaded.idx_to_vec)


# --- 14.8 BERT ----------------------------------------------------------------------------


class BERTEncoder(_bert.BERTEncoder):
    """The book's twelve-argument BERT encoder; its blocks are the book's :class:`EncoderBlock`."""

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        norm_shape: Any,
        ffn_num_input: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float,
        max_len: int = 1000,
        key_size: int = 768,
        query_size: int = 768,
        value_size: int = 768,
        **kwargs: Any,
    ) -> None:
        super().__init__(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, 0, dropout, max_len)
        self.blks = nn.ModuleList(
            EncoderBlock(
                key_size,
                query_size,
                value_size,
                num_hiddens,
                norm_shape,
                ffn_num_input,
                ffn_num_hiddens,
                num_heads,
                dropout,
                True,
            )
            for _ in range(num_layers)
        )


class MaskLM(_bert.MaskLM):
    """``MaskLM(vocab_size, num_hiddens, num_inputs=768)``."""

    def __init__(
        self, vocab_size: int, num_hiddens: int, num_inputs: int = 768, **kwargs: Any
    ) -> None:
        super().__init__(vocab_size, num_hiddens, num_inputs)


NextSentencePred = _bert.NextSentencePred


class BERTModel(_bert.BERTModel):
    """The book's BERT with its sixteen arguments (in-feature sizes default to 768)."""

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        norm_shape: Any,
        ffn_num_input: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float,
        max_len: int = 1000,
        key_size: int = 768,
        query_size: int = 768,
        value_size: int = 768,
        hid_in_features: int = 768,
        mlm_in_features: int = 768,
        nsp_in_features: int = 768,
    ) -> None:
        super().__init__(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, 0, dropout, max_len)
        self.encoder = BERTEncoder(
            vocab_size,
            num_hiddens,
            norm_shape,
            ffn_num_input,
            ffn_num_hiddens,
            num_heads,
            num_layers,
            dropout,
            max_len=max_len,
            key_size=key_size,
            query_size=query_size,
            value_size=value_size,
        )
        self.hidden = nn.Sequential(nn.Linear(hid_in_features, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size, num_hiddens, mlm_in_features)
        self.nsp = NextSentencePred(nsp_in_features)


# --- 14.9 the pretraining data (WikiText-2) ----------------------------------------------


def _read_wiki(data_dir: str | os.PathLike[str]) -> list[list[str]]:
    """Paragraphs of ``<data_dir>/wiki.train.tokens``, shuffled by torch's generator."""
    paragraphs = _wikitext.read_wiki_file(os.path.join(data_dir, "wiki.train.tokens"))
    return [paragraphs[i] for i in torch.randperm(len(paragraphs)).tolist()]


def _get_next_sentence(
    sentence: list[str], next_sentence: list[str], paragraphs: Sequence[Any]
) -> tuple[list[str], list[str], bool]:
    return _wikitext.get_next_sentence(sentence, next_sentence, paragraphs)


def _get_nsp_data_from_paragraph(
    paragraph: Any, paragraphs: Sequence[Any], vocab: Vocab, max_len: int
) -> list[tuple[list[str], list[int], bool]]:
    return _wikitext.get_nsp_data_from_paragraph(paragraph, paragraphs, max_len)


def _replace_mlm_tokens(
    tokens: Sequence[str], candidate_pred_positions: Sequence[int], num_mlm_preds: int, vocab: Vocab
) -> tuple[list[str], list[tuple[int, str]]]:
    return _wikitext.replace_mlm_tokens(tokens, candidate_pred_positions, num_mlm_preds, vocab)


def _get_mlm_data_from_tokens(
    tokens: Sequence[str], vocab: Vocab
) -> tuple[list[int], list[int], list[int]]:
    return _wikitext.get_mlm_data_from_tokens(tokens, vocab)


def _pad_bert_inputs(examples: Sequence[Any], max_len: int, vocab: Vocab) -> tuple[list[Any], ...]:
    """Seven lists of per-example tensors, as the book returns them (valid lengths float32)."""
    tensors = list(_wikitext.pad_bert_inputs(examples, max_len, vocab))
    tensors[2] = tensors[2].float()
    return tuple(list(t.unbind(0)) for t in tensors)


class _WikiTextDataset(Dataset[tuple[torch.Tensor, ...]]):
    """``_WikiTextDataset(paragraphs, max_len)``: pairs and masks of sentence-string paragraphs.

    ``vocab_type`` is the class of vocabulary it builds (the book's ``d2l.Vocab``).
    """

    vocab_type: type[Vocab] = Vocab

    def __init__(self, paragraphs: Sequence[Sequence[str]], max_len: int) -> None:
        tensors, self.vocab = _wikitext.bert_pretraining_tensors(
            paragraphs, max_len, vocab_type=self.vocab_type
        )
        (
            self.all_token_ids,
            self.all_segments,
            valid_lens,
            self.all_pred_positions,
            self.all_mlm_weights,
            self.all_mlm_labels,
            self.nsp_labels,
        ) = tensors
        self.valid_lens = valid_lens.float()

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, ...]:
        return (
            self.all_token_ids[idx],
            self.all_segments[idx],
            self.valid_lens[idx],
            self.all_pred_positions[idx],
            self.all_mlm_weights[idx],
            self.all_mlm_labels[idx],
            self.nsp_labels[idx],
        )

    def __len__(self) -> int:
        return len(self.all_token_ids)


def load_data_wiki(batch_size: int, max_len: int) -> tuple[TensorLoader, Vocab]:
    """(shuffled loader of the seven pretraining tensors, vocabulary) over WikiText-2."""
    loader, vocab = _wikitext.load_data_wiki(batch_size, max_len, seed=_seed())
    tensors = list(loader.tensors)
    tensors[2] = tensors[2].float()  # the book's valid lengths are float32
    loader.tensors = tuple(tensors)
    return loader, vocab


def _get_batch_loss_bert(
    net: Any,
    loss: Any,
    vocab_size: int,
    tokens_X: torch.Tensor,
    segments_X: torch.Tensor,
    valid_lens_x: torch.Tensor,
    pred_positions_X: torch.Tensor,
    mlm_weights_X: torch.Tensor,
    mlm_Y: torch.Tensor,
    nsp_y: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(MLM loss, NSP loss, their sum) of one batch."""
    return bert_pretraining_loss(
        net,
        loss,
        vocab_size,
        tokens_X,
        segments_X,
        valid_lens_x,
        pred_positions_X,
        mlm_weights_X,
        mlm_Y,
        nsp_y,
    )


# --- 15.1-15.3 sentiment analysis ---------------------------------------------------------


def read_imdb(data_dir: str | os.PathLike[str], is_train: bool) -> tuple[list[str], list[int]]:
    """(reviews, labels 1/0) of an extracted aclImdb folder's train or test split."""
    texts, labels = _imdb.read_imdb_folder(data_dir, "train" if is_train else "test")
    return texts, labels.tolist()


def load_data_imdb(
    batch_size: int, num_steps: int = 500
) -> tuple[TensorLoader, TensorLoader, Vocab]:
    """(train loader, test loader, vocabulary) over the full aclImdb, from the store."""
    return _imdb.load_data_imdb(batch_size, num_steps, seed=_seed())


def predict_sentiment(net: nn.Module, vocab: Vocab, sequence: str) -> str:
    """'positive' or 'negative'."""
    return _sentiment.predict_sentiment(net, vocab, sequence)


# --- 15.4-15.5 natural language inference ----------------------------------------------------


def read_snli(
    data_dir: str | os.PathLike[str], is_train: bool
) -> tuple[list[str], list[str], list[int]]:
    """(premises, hypotheses, labels) of ``<data_dir>/snli_1.0_{train,test}.txt``."""
    name = "snli_1.0_train.txt" if is_train else "snli_1.0_test.txt"
    premises, hypotheses, labels = _snli.read_snli_file(os.path.join(data_dir, name))
    return premises, hypotheses, labels.tolist()


class SNLIDataset(Dataset[tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]]):
    """``SNLIDataset(dataset, num_steps, vocab=None)``: padded pairs; prints how many it read.

    Without ``vocab`` it builds a ``vocab_type`` (the book's ``d2l.Vocab``).
    """

    vocab_type: type[Vocab] = Vocab

    def __init__(self, dataset: Sequence[Any], num_steps: int, vocab: Vocab | None = None) -> None:
        self.num_steps = num_steps
        data = (list(dataset[0]), list(dataset[1]), torch.as_tensor(dataset[2]))
        self.premises, self.hypotheses, self.labels, self.vocab = _snli.snli_tensors(
            data, num_steps, vocab, self.vocab_type
        )
        print(f"read {len(self.premises)} examples")

    def __getitem__(self, idx: int) -> tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
        return (self.premises[idx], self.hypotheses[idx]), self.labels[idx]

    def __len__(self) -> int:
        return len(self.premises)


class _PairBatches:
    """A loader of flat ``(P, H, y)`` batches served as the book's ``((P, H), y)``."""

    def __init__(self, loader: TensorLoader) -> None:
        self.loader = loader
        self.batch_size = loader.batch_size

    def __iter__(self) -> Iterator[tuple[list[torch.Tensor], torch.Tensor]]:
        for P, H, y in self.loader:
            yield [P, H], y

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


def load_data_snli(
    batch_size: int, num_steps: int = 50
) -> tuple[_PairBatches, _PairBatches, Vocab]:
    """(train loader, test loader, vocabulary); batches ``([premises, hypotheses], labels)``."""
    train, test, vocab = _snli.load_data_snli(batch_size, num_steps, seed=_seed())
    print(f"read {train.num_examples} examples")
    print(f"read {test.num_examples} examples")
    return _PairBatches(train), _PairBatches(test), vocab


class _ListInput(nn.Module):
    """The book's NLI net (``net([premises, hypotheses])``) as ``net(premises, hypotheses)``."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.net(list(inputs))


def predict_snli(
    net: nn.Module, vocab: Vocab, premise: Sequence[str], hypothesis: Sequence[str]
) -> str:
    """'entailment', 'contradiction' or 'neutral'; the net takes ``[premises, hypotheses]``."""
    wrapper = _ListInput(net)
    label = _nli.predict_snli(wrapper, vocab, premise, hypothesis)
    net.eval()  # the book leaves the net in evaluation mode
    return label


_ = (get_tokens_and_segments, update_D, update_G)  # re-exported above
