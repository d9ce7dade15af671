"""Each recipe's section in both editions of the book: Chinese 2.0 and English 1.0.

Readers open one of two books, and their numbers differ: LeNet with batch
normalization is 7.5 in the Chinese edition 2.0 (zh.d2l.ai, the d2l-zh
sources) and 8.5 on d2l.ai (the English edition 1.0, which added chapters on
linear classification and a builders' guide). Every recipe says where it is
in each, with the section's title as that edition writes it, or why it is in
one edition only (or in neither: the courses and the fast recipes).

tests/experiments/test_editions.py re-derives every number and title from the
books' own sources (d2l-zh at e6b18cce, d2l-en at v1.0.3, and the first
Chinese edition at v1.0.0 for the one recipe from it) when they are on disk.
This module imports nothing heavy: ``d2lkit list`` and ``show`` read it
before torch could load.

>>> section_label("lenet-bn")
'8.5 Batch Normalization (zh 7.5)'
>>> section_label("lenet-bn", first="zh", titles=False)
'7.5 (en 8.5)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from d2lkit.errors import ConfigError, did_you_mean

__all__ = ["EDITIONS", "BookSections", "Section", "book_sections", "section_label"]

Edition = Literal["en", "zh"]


@dataclass(frozen=True)
class Section:
    """A numbered section of one edition: ``Section("8.5", "Batch Normalization")``."""

    number: str  # "chapter.section", e.g. "11.10"
    title: str  # as that edition titles it (runs of spaces made one)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class BookSections:
    """Where one recipe is in the Chinese edition 2.0 (``zh``) and the English 1.0 (``en``).

    Attributes:
        zh: the section of the Chinese edition 2.0; None when that edition has none.
        en: the section of the English edition 1.0 (d2l.ai); None when it has none.
        note: why a side is None, or how the two editions differ for this
            recipe (an experiment one of them does not run).
        zh_first: the section of the first Chinese edition (2019), for a recipe
            that only that edition has.
        origin: where a recipe that no edition has comes from (a course, d2lkit).
    """

    zh: Section | None
    en: Section | None
    note: str = ""
    zh_first: Section | None = None
    origin: str = ""

    def label(self, first: Edition = "en", *, titles: bool = True) -> str:
        """One line for tables and headers: ``"8.5 Batch Normalization (zh 7.5)"``.

        ``first`` picks the edition whose number and title lead; the other's
        number follows in brackets. ``titles=False`` leaves the titles out
        (``"8.5 (zh 7.5)"``) for narrow columns.
        """
        lead, other = (self.en, self.zh) if first == "en" else (self.zh, self.en)
        other_name = "zh" if first == "en" else "en"
        if lead is not None:
            head = str(lead) if titles else lead.number
            tail = f"{other_name} {other.number}" if other else f"not in {other_name}"
            return f"{head} ({tail})"
        if other is not None:
            head = str(other) if titles else other.number
            return f"{other_name} {head} (not in {first})"
        if self.zh_first is not None:
            head = str(self.zh_first) if titles else self.zh_first.number
            return f"zh 1st ed. {head}"
        return self.origin


# The Chinese edition 2.0: d2l-zh at e6b18cce (chapter_*/index.md give the order).
_ZH = {
    "3.6": "softmax回归的从零开始实现",
    "3.7": "softmax回归的简洁实现",
    "4.2": "多层感知机的从零开始实现",
    "4.3": "多层感知机的简洁实现",
    "4.4": "模型选择、欠拟合和过拟合",
    "4.5": "权重衰减",
    "4.6": "暂退法（Dropout）",
    "4.10": "实战Kaggle比赛：预测房价",
    "6.6": "卷积神经网络（LeNet）",
    "7.1": "深度卷积神经网络（AlexNet）",
    "7.2": "使用块的网络（VGG）",
    "7.3": "网络中的网络（NiN）",
    "7.4": "含并行连结的网络（GoogLeNet）",
    "7.5": "批量规范化",
    "7.6": "残差网络（ResNet）",
    "7.7": "稠密连接网络（DenseNet）",
    "8.5": "循环神经网络的从零开始实现",
    "8.6": "循环神经网络的简洁实现",
    "9.1": "门控循环单元（GRU）",
    "9.2": "长短期记忆网络（LSTM）",
    "9.3": "深度循环神经网络",
    "9.4": "双向循环神经网络",
    "9.7": "序列到序列学习（seq2seq）",
    "10.4": "Bahdanau 注意力",
    "10.7": "Transformer",
    "11.3": "梯度下降",
    "11.4": "随机梯度下降",
    "11.5": "小批量随机梯度下降",
    "11.6": "动量法",
    "11.7": "AdaGrad算法",
    "11.8": "RMSProp算法",
    "11.9": "Adadelta",
    "11.10": "Adam算法",
    "11.11": "学习率调度器",
    "13.1": "图像增广",
    "13.2": "微调",
    "13.7": "单发多框检测（SSD）",
    "13.11": "全卷积网络",
    "13.12": "风格迁移",
    "13.13": "实战 Kaggle 比赛：图像分类 (CIFAR-10)",
    "13.14": "实战Kaggle比赛：狗的品种识别（ImageNet Dogs）",
    "14.4": "预训练word2vec",
    "14.10": "预训练BERT",
    "15.2": "情感分析：使用循环神经网络",
    "15.3": "情感分析：使用卷积神经网络",
    "15.5": "自然语言推断：使用注意力",
    "15.7": "自然语言推断：微调BERT",
}

# The English edition 1.0: d2l-en at v1.0.3, as on d2l.ai.
_EN = {
    "3.6": "Generalization",
    "3.7": "Weight Decay",
    "4.4": "Softmax Regression Implementation from Scratch",
    "4.5": "Concise Implementation of Softmax Regression",
    "5.2": "Implementation of Multilayer Perceptrons",
    "5.6": "Dropout",
    "5.7": "Predicting House Prices on Kaggle",
    "7.6": "Convolutional Neural Networks (LeNet)",
    "8.1": "Deep Convolutional Neural Networks (AlexNet)",
    "8.2": "Networks Using Blocks (VGG)",
    "8.3": "Network in Network (NiN)",
    "8.4": "Multi-Branch Networks (GoogLeNet)",
    "8.5": "Batch Normalization",
    "8.6": "Residual Networks (ResNet) and ResNeXt",
    "8.7": "Densely Connected Networks (DenseNet)",
    "9.5": "Recurrent Neural Network Implementation from Scratch",
    "9.6": "Concise Implementation of Recurrent Neural Networks",
    "10.1": "Long Short-Term Memory (LSTM)",
    "10.2": "Gated Recurrent Units (GRU)",
    "10.3": "Deep Recurrent Neural Networks",
    "10.4": "Bidirectional Recurrent Neural Networks",
    "10.7": "Sequence-to-Sequence Learning for Machine Translation",
    "11.4": "The Bahdanau Attention Mechanism",
    "11.7": "The Transformer Architecture",
    "12.3": "Gradient Descent",
    "12.4": "Stochastic Gradient Descent",
    "12.5": "Minibatch Stochastic Gradient Descent",
    "12.6": "Momentum",
    "12.7": "Adagrad",
    "12.8": "RMSProp",
    "12.9": "Adadelta",
    "12.10": "Adam",
    "12.11": "Learning Rate Scheduling",
    "14.1": "Image Augmentation",
    "14.2": "Fine-Tuning",
    "14.7": "Single Shot Multibox Detection",
    "14.11": "Fully Convolutional Networks",
    "14.12": "Neural Style Transfer",
    "14.13": "Image Classification (CIFAR-10) on Kaggle",
    "14.14": "Dog Breed Identification (ImageNet Dogs) on Kaggle",
    "15.4": "Pretraining word2vec",
    "15.10": "Pretraining BERT",
    "16.2": "Sentiment Analysis: Using Recurrent Neural Networks",
    "16.3": "Sentiment Analysis: Using Convolutional Neural Networks",
    "16.5": "Natural Language Inference: Using Attention",
    "16.7": "Natural Language Inference: Fine-Tuning BERT",
}


def _both(zh: str, en: str, note: str = "") -> BookSections:
    return BookSections(Section(zh, _ZH[zh]), Section(en, _EN[en]), note)


def _course(lesson: int) -> BookSections:
    return BookSections(
        None,
        None,
        "from a course, not the book: Liu Er's PyTorch deep learning practice",
        origin=f"Liu Er's course, lesson {lesson}",
    )


_HANDBOOK = BookSections(
    None,
    None,
    "from the PyTorch handbook (zergtant/pytorch-handbook, 1.3.4: PyTorch's 60-minute "
    "tutorial), not the book",
    origin="PyTorch handbook 1.3.4",
)
_FAST = BookSections(
    None,
    None,
    "beyond the book: what modern practice reaches on the book's Fashion-MNIST",
    origin="d2lkit, beyond the book",
)
_MLP = "d2l.ai 1.0 builds the MLP from scratch and concisely in one section"
_POLY = "d2l.ai 1.0 discusses polynomial curve fitting in this section but runs no experiment"
_HOUSE_STRONG = "ours, beyond the book: a stronger model on the same section's data"
_BIRNN = (
    "d2l.ai 1.0 builds the bidirectional RNN here but does not train it as a language "
    "model (the Chinese edition does, to show why that is a mistake)"
)

# Recipe name -> its sections, in the order `d2lkit list` prints the book's chapters.
EDITIONS: dict[str, BookSections] = {
    "softmax-regression-scratch": _both("3.6", "4.4"),
    "softmax-regression": _both("3.7", "4.5"),
    "mlp-scratch": _both("4.2", "5.2", _MLP),
    "mlp": _both("4.3", "5.2", _MLP),
    "polyfit": _both("4.4", "3.6", _POLY),
    "polyfit-underfit": _both("4.4", "3.6", _POLY),
    "polyfit-overfit": _both("4.4", "3.6", _POLY),
    "weight-decay-scratch": _both("4.5", "3.7"),
    "weight-decay": _both("4.5", "3.7"),
    "dropout": _both("4.6", "5.6"),
    "dropout-scratch": _both("4.6", "5.6"),
    "kaggle-house": _both("4.10", "5.7"),
    "kaggle-house-strong": _both("4.10", "5.7", _HOUSE_STRONG),
    "rnn-jaychou": BookSections(
        None,
        None,
        "the Jay Chou lyrics experiment is the first Chinese edition's (2019); edition 2.0 "
        "trains the same model on The Time Machine (zh 8.5, en 9.5: recipe rnn-scratch)",
        zh_first=Section("6.4", "循环神经网络的从零开始实现"),
    ),
    "lenet": _both("6.6", "7.6"),
    "alexnet": _both("7.1", "8.1"),
    "vgg": _both("7.2", "8.2"),
    "nin": _both("7.3", "8.3"),
    "googlenet": _both("7.4", "8.4"),
    "lenet-bn": _both("7.5", "8.5"),
    "lenet-bn-scratch": _both("7.5", "8.5"),
    "resnet": _both("7.6", "8.6"),
    "densenet": _both("7.7", "8.7"),
    "rnn-scratch": _both("8.5", "9.5"),
    "rnn": _both("8.6", "9.6"),
    "gru-scratch": _both("9.1", "10.2"),
    "gru": _both("9.1", "10.2"),
    "lstm-scratch": _both("9.2", "10.1"),
    "lstm": _both("9.2", "10.1"),
    "deep-lstm": _both("9.3", "10.3"),
    "bi-lstm": _both("9.4", "10.4", _BIRNN),
    "seq2seq": _both("9.7", "10.7"),
    "bahdanau": _both("10.4", "11.4"),
    "transformer": _both("10.7", "11.7"),
    "gd": _both("11.3", "12.3"),
    "gd-nonconvex": _both("11.3", "12.3"),
    "gd-2d": _both("11.3", "12.3"),
    "newton": _both("11.3", "12.3"),
    "newton-nonconvex": _both("11.3", "12.3"),
    "sgd": _both("11.4", "12.4"),
    "sgd-exponential-lr": _both("11.4", "12.4"),
    "sgd-polynomial-lr": _both("11.4", "12.4"),
    "minibatch-sgd-gd": _both("11.5", "12.5"),
    "minibatch-sgd-sgd": _both("11.5", "12.5"),
    "minibatch-sgd-100": _both("11.5", "12.5"),
    "minibatch-sgd-10": _both("11.5", "12.5"),
    "minibatch-sgd-concise": _both("11.5", "12.5"),
    "momentum-scratch": _both("11.6", "12.6"),
    "momentum": _both("11.6", "12.6"),
    "adagrad-scratch": _both("11.7", "12.7"),
    "adagrad": _both("11.7", "12.7"),
    "rmsprop-scratch": _both("11.8", "12.8"),
    "rmsprop": _both("11.8", "12.8"),
    "adadelta-scratch": _both("11.9", "12.9"),
    "adadelta": _both("11.9", "12.9"),
    "adam-scratch": _both("11.10", "12.10"),
    "adam": _both("11.10", "12.10"),
    "yogi-scratch": _both("11.10", "12.10"),
    "lr-schedule-none": _both("11.11", "12.11"),
    "lr-schedule-square-root": _both("11.11", "12.11"),
    "lr-schedule-factor": _both("11.11", "12.11"),
    "lr-schedule-multifactor": _both("11.11", "12.11"),
    "lr-schedule-cosine": _both("11.11", "12.11"),
    "lr-schedule-warmup": _both("11.11", "12.11"),
    "image-augmentation": _both("13.1", "14.1"),
    "fine-tuning": _both("13.2", "14.2"),
    "ssd": _both("13.7", "14.7"),
    "fcn": _both("13.11", "14.11"),
    "style-transfer": _both("13.12", "14.12"),
    "kaggle-cifar10": _both("13.13", "14.13"),
    "kaggle-dog": _both("13.14", "14.14"),
    "word2vec": _both("14.4", "15.4"),
    "bert-pretrain": _both("14.10", "15.10"),
    "sentiment-rnn": _both("15.2", "16.2"),
    "sentiment-cnn": _both("15.3", "16.3"),
    "nli-attention": _both("15.5", "16.5"),
    "bert-nli": _both("15.7", "16.7"),
    "course-linear-exhaustive": _course(2),
    "course-gd": _course(3),
    "course-sgd": _course(3),
    "course-backprop": _course(4),
    "course-logistic": _course(6),
    "course-diabetes": _course(8),
    "course-mnist-softmax": _course(9),
    "handbook-cifar10": _HANDBOOK,
    "handbook-cifar10-tiny": _HANDBOOK,
    "fashion-fast": _FAST,
    "fashion-fast-92": _FAST,
}


def book_sections(recipe: str) -> BookSections:
    """The sections of ``recipe`` in both editions; an unknown name suggests close ones."""
    try:
        return EDITIONS[recipe]
    except KeyError:
        raise ConfigError(
            f"no book sections are known for recipe {recipe!r}",
            fix=f"{did_you_mean(recipe, EDITIONS)}`d2lkit list` shows every recipe",
        ) from None


def section_label(recipe: str, *, first: Edition = "en", titles: bool = True) -> str:
    """``"8.5 Batch Normalization (zh 7.5)"`` for ``recipe``; see :meth:`BookSections.label`."""
    return book_sections(recipe).label(first, titles=titles)
