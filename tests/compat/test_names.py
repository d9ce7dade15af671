"""Every name the book's PyTorch cells use, the alias block, pandas-3 handling."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

# d2l.X names used by PyTorch cells of chapters 2-12 (94) and the #@save entries (91).
USED = [
    "plt",
    "set_figsize",
    "ones",
    "plot",
    "zeros",
    "matmul",
    "normal",
    "numpy",
    "reshape",
    "tensor",
    "synthetic_data",
    "Timer",
    "use_svg_display",
    "argmax",
    "astype",
    "exp",
    "get_fashion_mnist_labels",
    "load_data_fashion_mnist",
    "log",
    "reduce_sum",
    "set_axes",
    "sgd",
    "show_images",
    "size",
    "train_ch3",
    "predict_ch3",
    "Accumulator",
    "Animator",
    "float32",
    "load_array",
    "train_epoch_ch3",
    "evaluate_loss",
    "linreg",
    "squared_loss",
    "concat",
    "transpose",
    "abs",
    "corr2d",
    "stack",
    "arange",
    "accuracy",
    "try_gpu",
    "train_ch6",
    "sin",
    "DATA_HUB",
    "DATA_URL",
    "download",
    "Vocab",
    "load_corpus_time_machine",
    "read_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
    "load_data_time_machine",
    "predict_ch8",
    "train_ch8",
    "RNNModel",
    "RNNModelScratch",
    "download_extract",
    "int32",
    "Decoder",
    "Encoder",
    "EncoderDecoder",
    "grad_clipping",
    "load_data_nmt",
    "truncate_pad",
    "eye",
    "rand",
    "show_heatmaps",
    "sequence_mask",
    "AdditiveAttention",
    "Seq2SeqEncoder",
    "bleu",
    "predict_seq2seq",
    "train_seq2seq",
    "DotProductAttention",
    "MultiHeadAttention",
    "AttentionDecoder",
    "PositionalEncoding",
    "cos",
    "linspace",
    "meshgrid",
    "tanh",
    "cosh",
    "sinh",
    "show_trace_2d",
    "train_2d",
    "get_data_ch11",
    "train_ch11",
    "train_concise_ch11",
    "evaluate_accuracy_gpu",
    "Benchmark",
    "try_all_gpus",
    "Residual",
]
SAVED = [
    "DATA_HUB",
    "DATA_URL",
    "use_svg_display",
    "set_figsize",
    "set_axes",
    "plot",
    "Timer",
    "synthetic_data",
    "linreg",
    "squared_loss",
    "sgd",
    "load_array",
    "get_fashion_mnist_labels",
    "show_images",
    "get_dataloader_workers",
    "load_data_fashion_mnist",
    "accuracy",
    "evaluate_accuracy",
    "Accumulator",
    "train_epoch_ch3",
    "Animator",
    "train_ch3",
    "predict_ch3",
    "evaluate_loss",
    "download",
    "download_extract",
    "download_all",
    "try_gpu",
    "try_all_gpus",
    "corr2d",
    "evaluate_accuracy_gpu",
    "train_ch6",
    "Residual",
    "read_time_machine",
    "tokenize",
    "Vocab",
    "count_corpus",
    "load_corpus_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "SeqDataLoader",
    "load_data_time_machine",
    "RNNModelScratch",
    "predict_ch8",
    "grad_clipping",
    "train_epoch_ch8",
    "train_ch8",
    "RNNModel",
    "read_data_nmt",
    "preprocess_nmt",
    "tokenize_nmt",
    "show_list_len_pair_hist",
    "truncate_pad",
    "build_array_nmt",
    "load_data_nmt",
    "Encoder",
    "Decoder",
    "EncoderDecoder",
    "Seq2SeqEncoder",
    "sequence_mask",
    "MaskedSoftmaxCELoss",
    "train_seq2seq",
    "predict_seq2seq",
    "bleu",
    "show_heatmaps",
    "masked_softmax",
    "AdditiveAttention",
    "DotProductAttention",
    "AttentionDecoder",
    "MultiHeadAttention",
    "transpose_qkv",
    "transpose_output",
    "PositionalEncoding",
    "PositionWiseFFN",
    "AddNorm",
    "EncoderBlock",
    "TransformerEncoder",
    "annotate",
    "train_2d",
    "show_trace_2d",
    "get_data_ch11",
    "train_ch11",
    "train_concise_ch11",
    "Benchmark",
    "split_batch",
    "resnet18",
]
ALIASES = [
    "nn_Module",
    "ones",
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
    "float32",
    "concat",
    "stack",
    "abs",
    "eye",
    "numpy",
    "size",
    "reshape",
    "to",
    "reduce_sum",
    "argmax",
    "astype",
    "transpose",
    "reduce_mean",
]


def test_every_book_name_is_there():
    from d2lkit import torch as d2l

    assert len(set(USED)) == 94
    wanted = set(USED) | set(SAVED) | set(ALIASES) | {"Image"}
    assert sorted(n for n in wanted if not hasattr(d2l, n)) == []
    assert wanted <= set(d2l.__all__)


@pytest.mark.slow
def test_import_is_light_quiet_and_pandas_handling_can_be_turned_off():
    code = (
        "import sys, warnings; warnings.simplefilter('error')\n"
        "from d2lkit import torch as d2l\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at import'\n"
        "d2l.plt.figure(); assert 'matplotlib.pyplot' in sys.modules\n"
        "assert d2l.Image.__name__ == 'PIL.Image'\n"
        "import pandas as pd, io\n"
        "from d2lkit.compat import pandas_book; pandas_book.disable()\n"
        "f = pd.read_csv(io.StringIO('a,b\\n1,x\\n'))\n"
        "assert str(f.dtypes['b']) != 'object'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _env():
    import os

    import d2lkit

    src = str(__import__("pathlib").Path(d2lkit.__file__).parents[1])
    return {**os.environ, "PYTHONPATH": src, "MPLBACKEND": "Agg"}


def test_aliases_behave_like_the_book():
    from d2lkit import torch as d2l

    x = d2l.arange(12, dtype=d2l.float32)
    X = d2l.reshape(x, (3, 4))
    assert d2l.size(X) == 12
    assert d2l.reduce_sum(X, 0, keepdim=True).shape == (1, 4)
    assert float(d2l.reduce_mean(X)) == pytest.approx(5.5)
    assert d2l.argmax(X, axis=1).tolist() == [3, 3, 3]
    assert d2l.astype(X, torch.int32).dtype == torch.int32
    assert d2l.transpose(X).shape == (4, 3)
    assert isinstance(d2l.numpy(X.requires_grad_()), np.ndarray)
    assert d2l.concat((X, X), axis=1).shape == (3, 8)
    assert d2l.randn(2, 3).shape == (2, 3)
    assert d2l.to(X, torch.float64).dtype == torch.float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, _b = d2l.meshgrid(d2l.arange(3), d2l.arange(2))
    assert a.shape == (3, 2) and a[2, 0] == 2  # ij indexing, as the book means


def test_tensor_accepts_what_pandas_returns():
    import pandas as pd

    from d2lkit import torch as d2l

    frame = pd.DataFrame({"a": [1.5, 2.0], "b": ["x", None]})
    dummies = pd.get_dummies(frame, dummy_na=True)  # float + bool columns -> object array
    t = d2l.tensor(dummies.values, dtype=d2l.float32)
    assert t.tolist() == [[1.5, 1.0, 0.0], [2.0, 0.0, 1.0]]
    assert d2l.tensor(dummies).dtype == torch.float64


def test_data_preprocessing_section_runs_on_this_pandas():
    """2.2's cells: fillna(mean()) over a text column, get_dummies, to_numpy(float)."""
    import pandas as pd

    text = "NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n"
    data = pd.read_csv(io.StringIO(text))
    inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]
    inputs = inputs.fillna(inputs.mean())
    inputs = pd.get_dummies(inputs, dummy_na=True)
    X = torch.tensor(inputs.to_numpy(dtype=float))
    y = torch.tensor(outputs.to_numpy(dtype=float))
    assert X.tolist() == [[3, 1, 0], [2, 0, 1], [4, 0, 1], [3, 0, 1]]
    assert y.shape == (4,)


def test_kaggle_house_preprocessing_runs(data_root):
    """4.10's feature cells: object dtypes, standardise numeric columns, dummies, d2l.tensor."""
    import pandas as pd

    from d2lkit import torch as d2l

    train_data = pd.read_csv(d2l.download("kaggle_house_train"))
    test_data = pd.read_csv(d2l.download("kaggle_house_test"))
    all_features = pd.concat((train_data.iloc[:, 1:-1], test_data.iloc[:, 1:]))
    numeric_features = all_features.dtypes[all_features.dtypes != "object"].index
    all_features[numeric_features] = all_features[numeric_features].apply(
        lambda x: (x - x.mean()) / (x.std())
    )
    all_features[numeric_features] = all_features[numeric_features].fillna(0)
    all_features = pd.get_dummies(all_features, dummy_na=True)
    assert all_features.shape == (2919, 330)  # the book's figure
    n_train = train_data.shape[0]
    features = d2l.tensor(all_features[:n_train].values, dtype=d2l.float32)
    assert features.shape == (1460, 330) and torch.isfinite(features).all()


def test_pandas_opt_out_by_environment(monkeypatch):
    from d2lkit.compat import pandas_book

    pandas_book.disable()
    monkeypatch.setenv(pandas_book.ENV_BOOK_PANDAS, "0")
    assert pandas_book.enable() is False and not pandas_book.enabled()
