"""d2lkit.v1.torch names every name of d2l 1.0's library but the ten it says it leaves out,
and only names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import d2lkit.v1.torch as facade

# d2l 1.0.3's d2l/torch.py, top-level names defined in chapters 2-13 (and its utilities
# appendix, which those chapters call), plus its aliases; from the book's sources.
CHAPTERS_2_13 = [
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

# d2l 1.0.3's names of chapters 14-16 (computer vision, NLP pretraining, NLP applications)
# and of its GAN chapter, in the order of its torch.py.
CHAPTERS_14_16 = [
    "train_batch_ch13",
    "train_ch13",
    "box_corner_to_center",
    "box_center_to_corner",
    "bbox_to_rect",
    "multibox_prior",
    "show_bboxes",
    "box_iou",
    "assign_anchor_to_bbox",
    "offset_boxes",
    "multibox_target",
    "offset_inverse",
    "nms",
    "multibox_detection",
    "read_data_bananas",
    "BananasDataset",
    "load_data_bananas",
    "read_voc_images",
    "VOC_COLORMAP",
    "VOC_CLASSES",
    "voc_colormap2label",
    "voc_label_indices",
    "voc_rand_crop",
    "VOCSegDataset",
    "load_data_voc",
    "read_csv_labels",
    "copyfile",
    "reorg_train_valid",
    "reorg_test",
    "read_ptb",
    "subsample",
    "get_centers_and_contexts",
    "RandomGenerator",
    "get_negatives",
    "batchify",
    "load_data_ptb",
    "TokenEmbedding",
    "get_tokens_and_segments",
    "BERTEncoder",
    "MaskLM",
    "NextSentencePred",
    "BERTModel",
    "_read_wiki",
    "_get_next_sentence",
    "_get_nsp_data_from_paragraph",
    "_replace_mlm_tokens",
    "_get_mlm_data_from_tokens",
    "_pad_bert_inputs",
    "_WikiTextDataset",
    "load_data_wiki",
    "_get_batch_loss_bert",
    "read_imdb",
    "load_data_imdb",
    "predict_sentiment",
    "read_snli",
    "SNLIDataset",
    "load_data_snli",
    "predict_snli",
    "update_D",
    "update_G",
]

# The English-only chapters' names that are served: small and self-contained.
ENGLISH_ONLY_SERVED = ["rbfkernel", "show_value_function_progress", "show_Q_function_progress"]

# The English-only chapters' names left out (docs/compat.md, "Not served", says why):
# the HPO chapter's framework (its sections need syne-tune and scipy.stats) and the RL
# chapter's environments (gym).
NOT_SERVED = [
    "HPOTrainer",
    "HPOSearcher",
    "RandomSearcher",
    "HPOScheduler",
    "BasicScheduler",
    "HPOTuner",
    "hpo_objective_lenet",
    "SuccessiveHalvingScheduler",
    "frozen_lake",
    "make_env",
]

BOOK_NAMES = CHAPTERS_2_13 + CHAPTERS_14_16 + ENGLISH_ONLY_SERVED


def test_every_name_of_the_book_is_there():
    missing = [name for name in BOOK_NAMES if not hasattr(facade, name)]
    assert missing == []
    assert sorted(set(BOOK_NAMES)) == sorted(facade.__all__)
    assert len(set(CHAPTERS_14_16)) == 60 and len(set(BOOK_NAMES)) == 204


def test_the_names_left_out_are_absent_and_each_is_listed_in_the_docs():
    assert [name for name in NOT_SERVED if hasattr(facade, name)] == []
    docs = (Path(__file__).resolve().parents[3] / "docs" / "compat.md").read_text(encoding="utf-8")
    section = docs.split("#### Not served", 1)[1].split("\n#", 1)[0]
    assert [name for name in NOT_SERVED if f"`{name}`" not in section] == []


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
    assert facade.BERTModel is not zh.BERTModel  # 1.0: BERTModel(..., num_blks, ...)
    assert facade.load_data_snli is not zh.load_data_snli  # 1.0's vocabulary is sorted
    assert facade.train_ch13 is zh.train_ch13 and facade.nms is zh.nms  # the same code


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
