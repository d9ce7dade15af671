"""The book's helper names (chapters 2-12), grouped by chapter, each adapting a d2lkit piece.

Training loops are in :mod:`d2lkit.compat.loops`, the data hub in
:mod:`d2lkit.compat.datahub`, the aliases in :mod:`d2lkit.compat.aliases`.
Signatures, defaults and return types follow ``d2l/torch.py`` of the d2l-zh
book; see docs/compat.md for the differences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.compat.adapters import BookLanguageModel, as_module, book_data_advice, params_of
from d2lkit.data import TensorLoader
from d2lkit.data import nmt as _nmt
from d2lkit.data import synthetic as _synthetic
from d2lkit.data import tabular as _tabular
from d2lkit.data import text as _text
from d2lkit.data import vision as _vision
from d2lkit.errors import ConfigError, DeviceError
from d2lkit.models import attention as _attention
from d2lkit.models import resnet as _resnet
from d2lkit.models import rnn as _rnn
from d2lkit.models import seq2seq as _seq2seq
from d2lkit.models import transformer as _transformer
from d2lkit.models.bahdanau import AttentionDecoder
from d2lkit.scratch import clip as _clip
from d2lkit.scratch import conv as _conv
from d2lkit.scratch import linear as _linear
from d2lkit.scratch import optim as _optim
from d2lkit.train import Regression, Trainer
from d2lkit.train.bleu import bleu as _bleu
from d2lkit.train.dense import DenseClassification
from d2lkit.train.device import resolve_device
from d2lkit.train.metrics import correct_count
from d2lkit.train.timing import Accumulator, Benchmark, Timer

__all__ = [
    "Accumulator",
    "AddNorm",
    "AdditiveAttention",
    "AttentionDecoder",
    "Benchmark",
    "Decoder",
    "DotProductAttention",
    "Encoder",
    "EncoderBlock",
    "EncoderDecoder",
    "MaskedSoftmaxCELoss",
    "MultiHeadAttention",
    "PositionWiseFFN",
    "PositionalEncoding",
    "RNNModel",
    "RNNModelScratch",
    "Residual",
    "Seq2SeqEncoder",
    "SeqDataLoader",
    "Timer",
    "TransformerEncoder",
    "Vocab",
    "accuracy",
    "bleu",
    "build_array_nmt",
    "corr2d",
    "count_corpus",
    "evaluate_accuracy",
    "evaluate_accuracy_gpu",
    "evaluate_loss",
    "get_data_ch11",
    "get_dataloader_workers",
    "get_fashion_mnist_labels",
    "grad_clipping",
    "linreg",
    "load_array",
    "load_corpus_time_machine",
    "load_data_fashion_mnist",
    "load_data_nmt",
    "load_data_time_machine",
    "masked_softmax",
    "predict_ch8",
    "predict_seq2seq",
    "preprocess_nmt",
    "read_data_nmt",
    "read_time_machine",
    "resnet18",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "sequence_mask",
    "sgd",
    "split_batch",
    "squared_loss",
    "synthetic_data",
    "tokenize",
    "tokenize_nmt",
    "transpose_output",
    "transpose_qkv",
    "truncate_pad",
    "try_all_gpus",
    "try_gpu",
]


def _seed() -> int:
    """A loader seed drawn from torch's global RNG, so ``torch.manual_seed`` governs shuffling."""
    return int(torch.randint(0, 2**62, (1,)).item())


# --- 3 Linear neural networks --------------------------------------------------

linreg = _linear.linreg
squared_loss = _linear.squared_loss


def synthetic_data(w: Any, b: Any, num_examples: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``y = Xw + b + noise``; X (n, len(w)), y (n, 1), from torch's global RNG."""
    return _synthetic.synthetic_data(w, float(b), num_examples)


def sgd(params: Iterable[torch.Tensor], lr: float, batch_size: int) -> None:
    """Minibatch SGD in place: ``p -= lr * p.grad / batch_size``, then zero the gradients."""
    _optim.sgd(params, lr, batch_size)


def load_array(
    data_arrays: Sequence[torch.Tensor], batch_size: int, is_train: bool = True
) -> TensorLoader:
    """A loader of tuples over aligned tensors, shuffled when ``is_train``."""
    tensors = [torch.as_tensor(a) for a in data_arrays]
    return TensorLoader(*tensors, batch_size=batch_size, shuffle=is_train, seed=_seed())


def get_fashion_mnist_labels(labels: Iterable[Any]) -> list[str]:
    """The text label of each Fashion-MNIST class index."""
    return [_vision.FASHION_MNIST_CLASSES[int(i)] for i in labels]


def get_dataloader_workers() -> int:
    """The book's loader worker count; d2lkit's tensor loaders need no workers."""
    return 4


@book_data_advice()
def load_data_fashion_mnist(
    batch_size: int, resize: int | None = None
) -> tuple[TensorLoader, TensorLoader]:
    """(train shuffled, test in order) loaders of float images ``(B, 1, H, W)`` in [0, 1].

    Tensor-resident loaders over the data set in ``$D2LKIT_DATA``: no workers,
    no per-image Python; resizing happens per batch. Missing files are
    downloaded there on first use, as the book's torchvision loader does
    (``D2LKIT_OFFLINE=1`` forbids it; then the error lists every file, its URL
    and the folder to put it in).
    """
    return _vision.fashion_mnist_loaders(batch_size, resize, seed=_seed())


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """The number of correct predictions, as a float (argmax only over 2-D scores)."""
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        return float(correct_count(y_hat, y))
    return float((y_hat.type(y.dtype) == y).sum())


def _evaluator(net: Any, loss: Any, task: Any, device: Any = "cpu") -> Trainer:
    no_update: Any = _NoUpdate()  # evaluation only: nothing is ever stepped
    return Trainer(as_module(net), loss, no_update, task=task, device=device)


class _NoUpdate:
    """An optimiser that never steps, for evaluation-only trainers."""

    param_groups: list[dict[str, Any]] = [{"lr": 0.0, "params": []}]  # noqa: RUF012

    def zero_grad(self, set_to_none: bool = True) -> None: ...

    def step(self) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}


def _data_device(net: Any, device: Any) -> torch.device:
    if device is not None:
        return torch.device(device)
    if isinstance(net, nn.Module):
        first = next(iter(net.parameters()), None)
        if first is not None:
            return first.device
    return torch.device("cpu")


def evaluate_accuracy(net: Any, data_iter: Iterable[Any]) -> float:
    """Accuracy of ``net`` (a module, in eval mode, or a function) over a loader."""
    return evaluate_accuracy_gpu(net, data_iter)


def evaluate_accuracy_gpu(net: Any, data_iter: Iterable[Any], device: Any = None) -> float:
    """Accuracy over a loader on ``device`` (default: where the net's parameters are).

    Every label counts, as in the book: a segmenter's accuracy is per pixel.
    """
    task = DenseClassification()
    loss = nn.CrossEntropyLoss(reduction="none")
    return _evaluator(net, loss, task, _data_device(net, device)).evaluate(data_iter)["acc"]


def evaluate_loss(net: Any, data_iter: Iterable[Any], loss: Any) -> float:
    """Mean loss per example over a loader (labels reshaped to the outputs' shape)."""
    device = _data_device(net, None)
    return _evaluator(net, loss, Regression(), device).evaluate(data_iter)["loss"]


# --- 5 Builders' guide ----------------------------------------------------------


def try_gpu(i: int = 0) -> torch.device:
    """``cuda:i`` if this machine has it, else the CPU (never an error)."""
    try:
        return resolve_device(f"cuda:{i}")
    except DeviceError:
        return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Every CUDA device, or ``[cpu]``."""
    devices = [try_gpu(i) for i in range(torch.cuda.device_count())]
    return devices or [torch.device("cpu")]


# --- 6/7 Convolutional networks -----------------------------------------------------

corr2d = _conv.corr2d


class Residual(_resnet.Residual):
    """The book's ``Residual(input_channels, num_channels, use_1x1conv=False, strides=1)``."""

    def __init__(
        self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1
    ) -> None:
        super().__init__(input_channels, num_channels, use_1x1conv=use_1x1conv, strides=strides)


def resnet18(num_classes: int, in_channels: int = 1) -> nn.Module:
    """The book's small ResNet-18 of 12.6: 3x3 stem without max-pooling, four stages."""
    return _resnet.resnet18_small_images(num_classes, in_channels)


# --- 8 Recurrent neural networks -----------------------------------------------------

Vocab = _text.Vocab
count_corpus = _text.count_corpus
tokenize = _text.tokenize


@book_data_advice()
def read_time_machine() -> list[str]:
    """The Time Machine's lines: letters only, lower case."""
    return _text.read_time_machine()


@book_data_advice()
def load_corpus_time_machine(max_tokens: int = -1) -> tuple[list[int], _text.Vocab]:
    """(character indices as a list, vocabulary), as the book returns them."""
    corpus, vocab = _text.load_corpus_time_machine(max_tokens)
    return corpus.tolist(), vocab


def seq_data_iter_random(corpus: Any, batch_size: int, num_steps: int) -> Any:
    """Random subsequences ``(X, Y)`` (B, T); torch's global RNG picks them."""
    return _text.seq_data_iter_random(corpus, batch_size, num_steps, torch.default_generator)


def seq_data_iter_sequential(corpus: Any, batch_size: int, num_steps: int) -> Any:
    """Sequential ``(X, Y)`` (B, T): row r of a batch continues row r of the last one."""
    return _text.seq_data_iter_sequential(corpus, batch_size, num_steps, torch.default_generator)


class SeqDataLoader(_text.SeqDataLoader):
    """``SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)``: the Time Machine."""

    @book_data_advice()
    def __init__(
        self, batch_size: int, num_steps: int, use_random_iter: bool, max_tokens: int
    ) -> None:
        corpus, vocab = _text.load_corpus_time_machine(max_tokens)
        super().__init__(corpus, vocab, batch_size, num_steps, use_random_iter, seed=_seed())


@book_data_advice()
def load_data_time_machine(
    batch_size: int, num_steps: int, use_random_iter: bool = False, max_tokens: int = 10000
) -> tuple[_text.SeqDataLoader, _text.Vocab]:
    """(loader of (X, Y) character ids, vocabulary) over The Time Machine."""
    return _text.load_data_time_machine(
        batch_size, num_steps, use_random_iter, max_tokens, seed=_seed()
    )


class RNNModelScratch:
    """The book's from-scratch RNN: your ``get_params``, ``init_state`` and ``forward_fn``.

    Not an ``nn.Module`` (as in the book): ``params`` is the list of tensors
    ``get_params(vocab_size, num_hiddens, device)`` returns; calling the model
    one-hot encodes ``X`` (B, T) time-major and returns ``forward_fn``'s
    ``((T * B, V) logits, state)``. (d2lkit's own ``scratch.rnn.RNNModelScratch``
    is a module with built-in cells.)
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        device: Any,
        get_params: Callable[..., list[torch.Tensor]],
        init_state: Callable[..., Any],
        forward_fn: Callable[..., Any],
    ) -> None:
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X: torch.Tensor, state: Any) -> Any:
        X = nn.functional.one_hot(X.T.long(), self.vocab_size).type(torch.float32)  # (T, B, V)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size: int, device: Any) -> Any:
        return self.init_state(batch_size, self.num_hiddens, device)


class RNNModel(nn.Module):
    """``RNNModel(rnn_layer, vocab_size)``: the book's concise RNN language model.

    ``forward(inputs (B, T), state)`` returns ``((T * B, V) logits, state)`` as
    in the book; the network is d2lkit's :class:`~d2lkit.models.rnn.RNNLM`
    (same parameters, ``(B, T, V)`` layout inside).
    """

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int, **kwargs: Any) -> None:
        super().__init__()
        self.lm = _rnn.RNNLM(rnn_layer, vocab_size)
        self.rnn, self.linear = self.lm.rnn, self.lm.linear
        self.vocab_size, self.num_hiddens = vocab_size, rnn_layer.hidden_size
        self.num_directions = self.lm.num_directions

    def forward(self, inputs: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        logits, state = self.lm(inputs, state)  # (B, T, V)
        return logits.transpose(0, 1).reshape(-1, logits.shape[-1]), state  # (T * B, V)

    def begin_state(self, device: Any, batch_size: int = 1) -> Any:
        return self.lm.begin_state(batch_size, device)


def predict_ch8(prefix: str, num_preds: int, net: Any, vocab: _text.Vocab, device: Any) -> str:
    """``prefix`` followed by ``num_preds`` greedily generated characters."""
    ids = _rnn.generate(BookLanguageModel(net), [vocab[c] for c in prefix], num_preds)
    return "".join(vocab.idx_to_token[i] for i in ids)


def grad_clipping(net: Any, theta: float) -> None:
    """Scale all gradients of a module (or of a book model's ``.params``) to norm <= theta."""
    _clip.grad_clipping(params_of(net), theta)


# --- 9 Modern recurrent networks: machine translation, encoder-decoder ------------

preprocess_nmt = _nmt.preprocess_nmt
truncate_pad = _nmt.truncate_pad
Encoder = _seq2seq.Encoder
Decoder = _seq2seq.Decoder
EncoderDecoder = _seq2seq.EncoderDecoder
Seq2SeqEncoder = _seq2seq.Seq2SeqEncoder
bleu = _bleu


@book_data_advice()
def read_data_nmt() -> str:
    """The English-French text of ``fra-eng/fra.txt``."""
    return _nmt.read_data_nmt()


def tokenize_nmt(text: str, num_examples: int | None = None) -> tuple[list[Any], list[Any]]:
    """Word tokens of (source, target); like the book, ``num_examples + 1`` pairs are kept."""
    return _nmt.tokenize_nmt(text, None if num_examples is None else num_examples + 1)


def build_array_nmt(lines: Any, vocab: _text.Vocab, num_steps: int) -> Any:
    """(token array (N, T) padded with <eos>, valid lengths (N,) int64)."""
    array, valid_len = _nmt.build_array_nmt(lines, vocab, num_steps)
    return array, valid_len.long()


@book_data_advice()
def load_data_nmt(
    batch_size: int, num_steps: int, num_examples: int = 600
) -> tuple[TensorLoader, _text.Vocab, _text.Vocab]:
    """(loader of (X, X_valid_len, Y, Y_valid_len), source vocab, target vocab).

    The book's tokenizer keeps ``num_examples + 1`` pairs; so does this.
    """
    loader, src_vocab, tgt_vocab = _nmt.load_data_nmt(
        batch_size, num_steps, num_examples + 1, seed=_seed()
    )
    X, X_len, Y, Y_len = loader.tensors
    loader.tensors = (X, X_len.long(), Y, Y_len.long())
    return loader, src_vocab, tgt_vocab


def sequence_mask(X: torch.Tensor, valid_len: torch.Tensor, value: float = 0) -> torch.Tensor:
    """Set ``X[b, t]`` to ``value`` for ``t >= valid_len[b]``, in place, and return ``X``."""
    X.copy_(_seq2seq.sequence_mask(X, valid_len, value))
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """Per-sequence cross-entropy ``(B,)`` over valid steps (a ``CrossEntropyLoss``, as in d2l)."""

    def forward(  # type: ignore[override]
        self, pred: torch.Tensor, label: torch.Tensor, valid_len: torch.Tensor
    ) -> torch.Tensor:
        return _seq2seq.MaskedSoftmaxCELoss()(pred, label, valid_len)


def predict_seq2seq(
    net: nn.Module,
    src_sentence: str,
    src_vocab: _text.Vocab,
    tgt_vocab: _text.Vocab,
    num_steps: int,
    device: Any,
    save_attention_weights: bool = False,
) -> tuple[str, list[Any]]:
    """(greedy translation, per-step decoder attention weights if asked)."""
    from d2lkit.experiments.callbacks.text import translate

    return translate(
        net, src_sentence, src_vocab, tgt_vocab, num_steps, attention=save_attention_weights
    )


# --- 10 Attention ------------------------------------------------------------------

masked_softmax = _attention.masked_softmax
AdditiveAttention = _attention.AdditiveAttention
DotProductAttention = _attention.DotProductAttention
PositionalEncoding = _attention.PositionalEncoding
PositionWiseFFN = _transformer.PositionWiseFFN
AddNorm = _transformer.AddNorm


class MultiHeadAttention(_attention.MultiHeadAttention):
    """The book's argument order: ``(key_size, query_size, value_size, num_hiddens, num_heads,
    dropout, bias=False)``."""

    def __init__(
        self,
        key_size: int,
        query_size: int,
        value_size: int,
        num_hiddens: int,
        num_heads: int,
        dropout: float,
        bias: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            num_hiddens,
            num_heads,
            dropout,
            bias,
            key_size=key_size,
            query_size=query_size,
            value_size=value_size,
        )


def transpose_qkv(X: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, T, h) -> (B * heads, T, h / heads)."""
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1).permute(0, 2, 1, 3)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X: torch.Tensor, num_heads: int) -> torch.Tensor:
    """The inverse of :func:`transpose_qkv`: (B * heads, T, d) -> (B, T, heads * d)."""
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2]).permute(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class EncoderBlock(_transformer.TransformerEncoderBlock):
    """The book's transformer encoder block, with its ten-argument signature."""

    def __init__(
        self,
        key_size: int,
        query_size: int,
        value_size: int,
        num_hiddens: int,
        norm_shape: Any,
        ffn_num_input: int,
        ffn_num_hiddens: int,
        num_heads: int,
        dropout: float,
        use_bias: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias)
        self.attention = MultiHeadAttention(
            key_size, query_size, value_size, num_hiddens, num_heads, dropout, use_bias
        )
        self.addnorm1 = AddNorm(norm_shape, dropout)
        self.ffn = PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(norm_shape, dropout)


class TransformerEncoder(_transformer.TransformerEncoder):
    """The book's transformer encoder signature; blocks are :class:`EncoderBlock`."""

    def __init__(
        self,
        vocab_size: int,
        key_size: int,
        query_size: int,
        value_size: int,
        num_hiddens: int,
        norm_shape: Any,
        ffn_num_input: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float,
        use_bias: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, 0, dropout, use_bias)
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
                use_bias,
            )
            for _ in range(num_layers)
        )


# --- 11 Optimisation ------------------------------------------------------------------


@book_data_advice()
def get_data_ch11(batch_size: int = 10, n: int = 1500) -> tuple[TensorLoader, int]:
    """(shuffled loader of standardised airfoil rows (X (B, 5), y (B,)), 5)."""
    return _tabular.get_data_ch11(batch_size, n, seed=_seed())


# --- 12 Computational performance ---------------------------------------------------


def split_batch(X: torch.Tensor, y: torch.Tensor, devices: Sequence[Any]) -> tuple[Any, Any]:
    """``X`` and ``y`` cut into equal parts along dim 0, one per device."""
    if X.shape[0] != y.shape[0]:
        raise ConfigError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    return (nn.parallel.scatter(X, devices), nn.parallel.scatter(y, devices))


_ = (Accumulator, Benchmark, Timer, AttentionDecoder)  # re-exported above
