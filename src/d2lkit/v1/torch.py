"""``from d2lkit.v1 import torch as d2l``: d2l 1.0's names (the English edition), backed by d2lkit.

Every ``#@save`` name of chapters 2-13 of d2l-en 1.0 and every ``d2l.X`` its
PyTorch cells call, with the book's signatures (see docs/compat.md, "The
English edition"). The class API (``Module``, ``DataModule``, ``Trainer`` ...)
lives in :mod:`d2lkit.compat.v1`; the helpers both editions share come from
:mod:`d2lkit.compat`. This module only names them. Importing it makes pandas
behave as the book expects (:mod:`d2lkit.compat.pandas_book`;
``D2LKIT_BOOK_PANDAS=0`` opts out). ``plt`` and ``Image`` are imported on first use.
For the Chinese edition (d2l 0.17) use ``from d2lkit import torch as d2l``.
"""

from __future__ import annotations

from typing import Any

from d2lkit.compat import pandas_book
from d2lkit.compat.aliases import (
    abs,
    arange,
    argmax,
    astype,
    concat,
    cos,
    cosh,
    exp,
    eye,
    float32,
    int32,
    linspace,
    log,
    matmul,
    meshgrid,
    nn_Module,
    normal,
    numpy,
    ones,
    rand,
    randn,
    reduce_mean,
    reduce_sum,
    reshape,
    sin,
    sinh,
    size,
    stack,
    tanh,
    tensor,
    to,
    transpose,
    zeros,
)
from d2lkit.compat.book import (
    Accumulator,
    Benchmark,
    MaskedSoftmaxCELoss,
    Timer,
    accuracy,
    bleu,
    build_array_nmt,
    corr2d,
    evaluate_accuracy_gpu,
    evaluate_loss,
    get_data_ch11,
    get_dataloader_workers,
    get_fashion_mnist_labels,
    grad_clipping,
    linreg,
    load_array,
    load_data_fashion_mnist,
    load_data_nmt,
    predict_seq2seq,
    preprocess_nmt,
    read_data_nmt,
    sequence_mask,
    sgd,
    split_batch,
    squared_loss,
    synthetic_data,
    tokenize,
    tokenize_nmt,
    truncate_pad,
)
from d2lkit.compat.loops import (
    train_2d,
    train_ch6,
    train_ch11,
    train_concise_ch11,
    train_seq2seq,
)
from d2lkit.compat.v1.aliases import (
    batch_matmul,
    expand_dims,
    int64,
    ones_like,
    repeat,
    sigmoid,
    swapaxes,
    zeros_like,
)
from d2lkit.compat.v1.attention import (
    AdditiveAttention,
    AddNorm,
    DotProductAttention,
    MultiHeadAttention,
    PositionalEncoding,
    PositionWiseFFN,
    TransformerEncoder,
    TransformerEncoderBlock,
    masked_softmax,
)
from d2lkit.compat.v1.board import ProgressBoard
from d2lkit.compat.v1.cnn import LeNet, Residual, ResNeXtBlock, init_cnn, resnet18
from d2lkit.compat.v1.data import (
    DataModule,
    FashionMNIST,
    MTFraEng,
    SyntheticRegressionData,
    TimeMachine,
    Vocab,
)
from d2lkit.compat.v1.datahub import DATA_HUB, DATA_URL, download, download_extract, extract
from d2lkit.compat.v1.devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu
from d2lkit.compat.v1.hyperparameters import HyperParameters, add_to_class
from d2lkit.compat.v1.linear import (
    SGD,
    LinearRegression,
    LinearRegressionScratch,
    SoftmaxRegression,
)
from d2lkit.compat.v1.module import Classifier, Module
from d2lkit.compat.v1.rnn import GRU, RNN, RNNLM, RNNLMScratch, RNNScratch, check_len, check_shape
from d2lkit.compat.v1.seq2seq import (
    AttentionDecoder,
    Decoder,
    Encoder,
    EncoderDecoder,
    Seq2Seq,
    Seq2SeqEncoder,
    init_seq2seq,
)
from d2lkit.compat.v1.trainer import Trainer
from d2lkit.viz.animator import Animator, set_axes
from d2lkit.viz.book_plots import (
    annotate,
    plot,
    set_figsize,
    show_heatmaps,
    show_images,
    show_list_len_pair_hist,
    show_trace_2d,
    use_svg_display,
)

__all__ = [
    "DATA_HUB",
    "DATA_URL",
    "GRU",
    "RNN",
    "RNNLM",
    "SGD",
    "Accumulator",
    "AddNorm",
    "AdditiveAttention",
    "Animator",
    "AttentionDecoder",
    "Benchmark",
    "Classifier",
    "DataModule",
    "Decoder",
    "DotProductAttention",
    "Encoder",
    "EncoderDecoder",
    "FashionMNIST",
    "HyperParameters",
    "Image",  # noqa: F822 - imported on first use (__getattr__)
    "LeNet",
    "LinearRegression",
    "LinearRegressionScratch",
    "MTFraEng",
    "MaskedSoftmaxCELoss",
    "Module",
    "MultiHeadAttention",
    "PositionWiseFFN",
    "PositionalEncoding",
    "ProgressBoard",
    "RNNLMScratch",
    "RNNScratch",
    "ResNeXtBlock",
    "Residual",
    "Seq2Seq",
    "Seq2SeqEncoder",
    "SoftmaxRegression",
    "SyntheticRegressionData",
    "TimeMachine",
    "Timer",
    "Trainer",
    "TransformerEncoder",
    "TransformerEncoderBlock",
    "Vocab",
    "abs",
    "accuracy",
    "add_to_class",
    "annotate",
    "arange",
    "argmax",
    "astype",
    "batch_matmul",
    "bleu",
    "build_array_nmt",
    "check_len",
    "check_shape",
    "concat",
    "corr2d",
    "cos",
    "cosh",
    "cpu",
    "download",
    "download_extract",
    "evaluate_accuracy_gpu",
    "evaluate_loss",
    "exp",
    "expand_dims",
    "extract",
    "eye",
    "float32",
    "get_data_ch11",
    "get_dataloader_workers",
    "get_fashion_mnist_labels",
    "gpu",
    "grad_clipping",
    "init_cnn",
    "init_seq2seq",
    "int32",
    "int64",
    "linreg",
    "linspace",
    "load_array",
    "load_data_fashion_mnist",
    "load_data_nmt",
    "log",
    "masked_softmax",
    "matmul",
    "meshgrid",
    "nn_Module",
    "normal",
    "num_gpus",
    "numpy",
    "ones",
    "ones_like",
    "plot",
    "plt",  # noqa: F822 - imported on first use (__getattr__)
    "predict_seq2seq",
    "preprocess_nmt",
    "rand",
    "randn",
    "read_data_nmt",
    "reduce_mean",
    "reduce_sum",
    "repeat",
    "reshape",
    "resnet18",
    "sequence_mask",
    "set_axes",
    "set_figsize",
    "sgd",
    "show_heatmaps",
    "show_images",
    "show_list_len_pair_hist",
    "show_trace_2d",
    "sigmoid",
    "sin",
    "sinh",
    "size",
    "split_batch",
    "squared_loss",
    "stack",
    "swapaxes",
    "synthetic_data",
    "tanh",
    "tensor",
    "to",
    "tokenize",
    "tokenize_nmt",
    "train_2d",
    "train_ch6",
    "train_ch11",
    "train_concise_ch11",
    "train_seq2seq",
    "transpose",
    "truncate_pad",
    "try_all_gpus",
    "try_gpu",
    "use_svg_display",
    "zeros",
    "zeros_like",
]

pandas_book.enable()


def __getattr__(name: str) -> Any:
    if name == "plt":
        import matplotlib.pyplot as plt

        return plt
    if name == "Image":
        from PIL import Image

        return Image
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
