"""d2lkit.v1.torch names every name of d2l 1.0's library that chapters 2-13 use, and only names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import d2lkit.v1.torch as facade

# d2l 1.0.3's d2l/torch.py, top-level names defined in chapters 2-13 (and its utilities
# appendix, which those chapters call), plus its aliases; from the book's sources.
BOOK_NAMES = [
    "DATA_HUB",
    "DATA_URL",
    "nn_Module",
    "use_svg_display",
    "set_figsize",
    "set_axes",
    "plot",
    "add_to_class",
    "HyperParameters",
    "ProgressBoard",
    "Module",
    "DataModule",
    "Trainer",
    "SyntheticRegressionData",
    "LinearRegressionScratch",
    "SGD",
    "LinearRegression",
    "FashionMNIST",
    "show_images",
    "Classifier",
    "SoftmaxRegression",
    "cpu",
    "gpu",
    "num_gpus",
    "try_gpu",
    "try_all_gpus",
    "corr2d",
    "init_cnn",
    "LeNet",
    "Residual",
    "ResNeXtBlock",
    "TimeMachine",
    "Vocab",
    "RNNScratch",
    "check_len",
    "check_shape",
    "RNNLMScratch",
    "RNN",
    "RNNLM",
    "GRU",
    "MTFraEng",
    "show_list_len_pair_hist",
    "Encoder",
    "Decoder",
    "EncoderDecoder",
    "init_seq2seq",
    "Seq2SeqEncoder",
    "Seq2Seq",
    "bleu",
    "show_heatmaps",
    "masked_softmax",
    "DotProductAttention",
    "AdditiveAttention",
    "AttentionDecoder",
    "MultiHeadAttention",
    "PositionalEncoding",
    "PositionWiseFFN",
    "AddNorm",
    "TransformerEncoderBlock",
    "TransformerEncoder",
    "annotate",
    "train_2d",
    "show_trace_2d",
    "Timer",
    "get_data_ch11",
    "train_ch11",
    "train_concise_ch11",
    "Benchmark",
    "split_batch",
    "resnet18",
    "load_array",
    "synthetic_data",
    "sgd",
    "get_dataloader_workers",
    "load_data_fashion_mnist",
    "evaluate_accuracy_gpu",
    "train_ch6",
    "linreg",
    "squared_loss",
    "get_fashion_mnist_labels",
    "Animator",
    "Accumulator",
    "accuracy",
    "download",
    "extract",
    "download_extract",
    "tokenize",
    "evaluate_loss",
    "grad_clipping",
    "read_data_nmt",
    "preprocess_nmt",
    "tokenize_nmt",
    "truncate_pad",
    "build_array_nmt",
    "load_data_nmt",
    "sequence_mask",
    "MaskedSoftmaxCELoss",
    "train_seq2seq",
    "predict_seq2seq",
    "ones_like",
    "ones",
    "zeros_like",
    "zeros",
    "tensor",
    "arange",
    "meshgrid",
    "sin",
    "sinh",
    "cos",
    "cosh",
    "tanh",
    "linspace",
    "exp",
    "log",
    "normal",
    "rand",
    "randn",
    "matmul",
    "int32",
    "int64",
    "float32",
    "concat",
    "stack",
    "abs",
    "eye",
    "sigmoid",
    "batch_matmul",
    "numpy",
    "size",
    "reshape",
    "to",
    "reduce_sum",
    "argmax",
    "astype",
    "transpose",
    "reduce_mean",
    "expand_dims",
    "swapaxes",
    "repeat",
    "plt",
    "Image",
]


def test_every_name_of_the_book_is_there():
    missing = [name for name in BOOK_NAMES if not hasattr(facade, name)]
    assert missing == []
    assert sorted(set(BOOK_NAMES)) == sorted(facade.__all__)


def test_the_module_only_names_things_and_defines_nothing():
    tree = ast.parse(Path(facade.__file__).read_text(encoding="utf-8"))
    defined = [n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))]
    assert defined == ["__getattr__"]  # plt and Image on first use


def test_names_shared_with_the_chinese_edition_follow_each_book():
    import d2lkit.torch as zh

    assert facade.Vocab is not zh.Vocab  # 1.0 sorts its tokens; 0.17 orders them by frequency
    assert facade.Residual is not zh.Residual  # 1.0: Residual(num_channels, ...), lazy
    assert facade.MultiHeadAttention is not zh.MultiHeadAttention
    assert facade.download is not zh.download  # 1.0: download(url, folder, sha1_hash)
    assert facade.train_ch6 is zh.train_ch6 and facade.Animator is zh.Animator


def test_importing_the_facade_imports_neither_matplotlib_nor_ipython():
    code = (
        "import sys; from d2lkit.v1 import torch as d2l; "
        "print(any(m in sys.modules for m in ('matplotlib', 'IPython')))"
    )
    src = str(Path(facade.__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": src}
    )
    assert out.stdout.strip() == "False", out.stderr
