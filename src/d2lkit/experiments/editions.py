"""Each recipe's section in both editions of the book: Chinese 2.0 and English 1.0.

Readers open one of two books, and their numbers differ: LeNet with batch
normalization is 7.5 in the Chinese edition 2.0 (zh.d2l.ai, the d2l-zh
sources) and 8.5 on d2l.ai (the English edition 1.0, which added chapters on
linear classification and a builders' guide). A recipe states its section of
edition 2.0 (``Recipe.section``); this module holds the books' tables of
contents and which section of 1.0 teaches the same, so every recipe is
placed in both editions, with each section's title as that edition writes
it, or said to come from elsewhere (a course, the first Chinese edition,
d2lkit's own fast recipes). A new recipe needs no line here.

tests/experiments/test_editions.py re-derives every number, title and pairing
from the books' own sources (d2l-zh at e6b18cce, d2l-en at v1.0.3, and the
first Chinese edition at v1.0.0) when they are on disk. This module imports
nothing heavy: ``d2lkit list`` and ``show`` read it before torch could load.

>>> section_label("lenet-bn")
'8.5 Batch Normalization (zh 7.5)'
>>> section_label("lenet-bn", first="zh", titles=False)
'7.5 (en 8.5)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from d2lkit.experiments.recipe import Recipe

__all__ = [
    "EN_TOC",
    "ZH_TOC",
    "ZH_TO_EN",
    "BookSections",
    "Section",
    "book_sections",
    "section_label",
]

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


# The Chinese edition 2.0: d2l-zh at e6b18cce (the numbered chapter list in index.md, each
# chapter's index.md orders its sections; a section's title is its first "# " heading).
ZH_TOC: dict[str, str] = {
    "2.1": "数据操作",
    "2.2": "数据预处理",
    "2.3": "线性代数",
    "2.4": "微积分",
    "2.5": "自动微分",
    "2.6": "概率",
    "2.7": "查阅文档",
    "3.1": "线性回归",
    "3.2": "线性回归的从零开始实现",
    "3.3": "线性回归的简洁实现",
    "3.4": "softmax回归",
    "3.5": "图像分类数据集",
    "3.6": "softmax回归的从零开始实现",
    "3.7": "softmax回归的简洁实现",
    "4.1": "多层感知机",
    "4.2": "多层感知机的从零开始实现",
    "4.3": "多层感知机的简洁实现",
    "4.4": "模型选择、欠拟合和过拟合",
    "4.5": "权重衰减",
    "4.6": "暂退法（Dropout）",
    "4.7": "前向传播、反向传播和计算图",
    "4.8": "数值稳定性和模型初始化",
    "4.9": "环境和分布偏移",
    "4.10": "实战Kaggle比赛：预测房价",
    "5.1": "层和块",
    "5.2": "参数管理",
    "5.3": "延后初始化",
    "5.4": "自定义层",
    "5.5": "读写文件",
    "5.6": "GPU",
    "6.1": "从全连接层到卷积",
    "6.2": "图像卷积",
    "6.3": "填充和步幅",
    "6.4": "多输入多输出通道",
    "6.5": "汇聚层",
    "6.6": "卷积神经网络（LeNet）",
    "7.1": "深度卷积神经网络（AlexNet）",
    "7.2": "使用块的网络（VGG）",
    "7.3": "网络中的网络（NiN）",
    "7.4": "含并行连结的网络（GoogLeNet）",
    "7.5": "批量规范化",
    "7.6": "残差网络（ResNet）",
    "7.7": "稠密连接网络（DenseNet）",
    "8.1": "序列模型",
    "8.2": "文本预处理",
    "8.3": "语言模型和数据集",
    "8.4": "循环神经网络",
    "8.5": "循环神经网络的从零开始实现",
    "8.6": "循环神经网络的简洁实现",
    "8.7": "通过时间反向传播",
    "9.1": "门控循环单元（GRU）",
    "9.2": "长短期记忆网络（LSTM）",
    "9.3": "深度循环神经网络",
    "9.4": "双向循环神经网络",
    "9.5": "机器翻译与数据集",
    "9.6": "编码器-解码器架构",
    "9.7": "序列到序列学习（seq2seq）",
    "9.8": "束搜索",
    "10.1": "注意力提示",
    "10.2": "注意力汇聚：Nadaraya-Watson 核回归",
    "10.3": "注意力评分函数",
    "10.4": "Bahdanau 注意力",
    "10.5": "多头注意力",
    "10.6": "自注意力和位置编码",
    "10.7": "Transformer",
    "11.1": "优化和深度学习",
    "11.2": "凸性",
    "11.3": "梯度下降",
    "11.4": "随机梯度下降",
    "11.5": "小批量随机梯度下降",
    "11.6": "动量法",
    "11.7": "AdaGrad算法",
    "11.8": "RMSProp算法",
    "11.9": "Adadelta",
    "11.10": "Adam算法",
    "11.11": "学习率调度器",
    "12.1": "编译器和解释器",
    "12.2": "异步计算",
    "12.3": "自动并行",
    "12.4": "硬件",
    "12.5": "多GPU训练",
    "12.6": "多GPU的简洁实现",
    "12.7": "参数服务器",
    "13.1": "图像增广",
    "13.2": "微调",
    "13.3": "目标检测和边界框",
    "13.4": "锚框",
    "13.5": "多尺度目标检测",
    "13.6": "目标检测数据集",
    "13.7": "单发多框检测（SSD）",
    "13.8": "区域卷积神经网络（R-CNN）系列",
    "13.9": "语义分割和数据集",
    "13.10": "转置卷积",
    "13.11": "全卷积网络",
    "13.12": "风格迁移",
    "13.13": "实战 Kaggle 比赛：图像分类 (CIFAR-10)",
    "13.14": "实战Kaggle比赛：狗的品种识别（ImageNet Dogs）",
    "14.1": "词嵌入（word2vec）",
    "14.2": "近似训练",
    "14.3": "用于预训练词嵌入的数据集",
    "14.4": "预训练word2vec",
    "14.5": "全局向量的词嵌入（GloVe）",
    "14.6": "子词嵌入",
    "14.7": "词的相似性和类比任务",
    "14.8": "来自Transformers的双向编码器表示（BERT）",
    "14.9": "用于预训练BERT的数据集",
    "14.10": "预训练BERT",
    "15.1": "情感分析及数据集",
    "15.2": "情感分析：使用循环神经网络",
    "15.3": "情感分析：使用卷积神经网络",
    "15.4": "自然语言推断与数据集",
    "15.5": "自然语言推断：使用注意力",
    "15.6": "针对序列级和词元级应用微调BERT",
    "15.7": "自然语言推断：微调BERT",
    "16.1": "使用Jupyter Notebook",
    "16.2": "使用Amazon SageMaker",
    "16.3": "使用Amazon EC2实例",
    "16.4": "选择服务器和GPU",
    "16.5": "为本书做贡献",
    "16.6": "`d2l` API 文档",
}

# The English edition 1.0: d2l-en at v1.0.3, as on d2l.ai.
EN_TOC: dict[str, str] = {
    "2.1": "Data Manipulation",
    "2.2": "Data Preprocessing",
    "2.3": "Linear Algebra",
    "2.4": "Calculus",
    "2.5": "Automatic Differentiation",
    "2.6": "Probability and Statistics",
    "2.7": "Documentation",
    "3.1": "Linear Regression",
    "3.2": "Object-Oriented Design for Implementation",
    "3.3": "Synthetic Regression Data",
    "3.4": "Linear Regression Implementation from Scratch",
    "3.5": "Concise Implementation of Linear Regression",
    "3.6": "Generalization",
    "3.7": "Weight Decay",
    "4.1": "Softmax Regression",
    "4.2": "The Image Classification Dataset",
    "4.3": "The Base Classification Model",
    "4.4": "Softmax Regression Implementation from Scratch",
    "4.5": "Concise Implementation of Softmax Regression",
    "4.6": "Generalization in Classification",
    "4.7": "Environment and Distribution Shift",
    "5.1": "Multilayer Perceptrons",
    "5.2": "Implementation of Multilayer Perceptrons",
    "5.3": "Forward Propagation, Backward Propagation, and Computational Graphs",
    "5.4": "Numerical Stability and Initialization",
    "5.5": "Generalization in Deep Learning",
    "5.6": "Dropout",
    "5.7": "Predicting House Prices on Kaggle",
    "6.1": "Layers and Modules",
    "6.2": "Parameter Management",
    "6.3": "Parameter Initialization",
    "6.4": "Lazy Initialization",
    "6.5": "Custom Layers",
    "6.6": "File I/O",
    "6.7": "GPUs",
    "7.1": "From Fully Connected Layers to Convolutions",
    "7.2": "Convolutions for Images",
    "7.3": "Padding and Stride",
    "7.4": "Multiple Input and Multiple Output Channels",
    "7.5": "Pooling",
    "7.6": "Convolutional Neural Networks (LeNet)",
    "8.1": "Deep Convolutional Neural Networks (AlexNet)",
    "8.2": "Networks Using Blocks (VGG)",
    "8.3": "Network in Network (NiN)",
    "8.4": "Multi-Branch Networks (GoogLeNet)",
    "8.5": "Batch Normalization",
    "8.6": "Residual Networks (ResNet) and ResNeXt",
    "8.7": "Densely Connected Networks (DenseNet)",
    "8.8": "Designing Convolution Network Architectures",
    "9.1": "Working with Sequences",
    "9.2": "Converting Raw Text into Sequence Data",
    "9.3": "Language Models",
    "9.4": "Recurrent Neural Networks",
    "9.5": "Recurrent Neural Network Implementation from Scratch",
    "9.6": "Concise Implementation of Recurrent Neural Networks",
    "9.7": "Backpropagation Through Time",
    "10.1": "Long Short-Term Memory (LSTM)",
    "10.2": "Gated Recurrent Units (GRU)",
    "10.3": "Deep Recurrent Neural Networks",
    "10.4": "Bidirectional Recurrent Neural Networks",
    "10.5": "Machine Translation and the Dataset",
    "10.6": "The Encoder--Decoder Architecture",
    "10.7": "Sequence-to-Sequence Learning for Machine Translation",
    "10.8": "Beam Search",
    "11.1": "Queries, Keys, and Values",
    "11.2": "Attention Pooling by Similarity",
    "11.3": "Attention Scoring Functions",
    "11.4": "The Bahdanau Attention Mechanism",
    "11.5": "Multi-Head Attention",
    "11.6": "Self-Attention and Positional Encoding",
    "11.7": "The Transformer Architecture",
    "11.8": "Transformers for Vision",
    "11.9": "Large-Scale Pretraining with Transformers",
    "12.1": "Optimization and Deep Learning",
    "12.2": "Convexity",
    "12.3": "Gradient Descent",
    "12.4": "Stochastic Gradient Descent",
    "12.5": "Minibatch Stochastic Gradient Descent",
    "12.6": "Momentum",
    "12.7": "Adagrad",
    "12.8": "RMSProp",
    "12.9": "Adadelta",
    "12.10": "Adam",
    "12.11": "Learning Rate Scheduling",
    "13.1": "Compilers and Interpreters",
    "13.2": "Asynchronous Computation",
    "13.3": "Automatic Parallelism",
    "13.4": "Hardware",
    "13.5": "Training on Multiple GPUs",
    "13.6": "Concise Implementation for Multiple GPUs",
    "13.7": "Parameter Servers",
    "14.1": "Image Augmentation",
    "14.2": "Fine-Tuning",
    "14.3": "Object Detection and Bounding Boxes",
    "14.4": "Anchor Boxes",
    "14.5": "Multiscale Object Detection",
    "14.6": "The Object Detection Dataset",
    "14.7": "Single Shot Multibox Detection",
    "14.8": "Region-based CNNs (R-CNNs)",
    "14.9": "Semantic Segmentation and the Dataset",
    "14.10": "Transposed Convolution",
    "14.11": "Fully Convolutional Networks",
    "14.12": "Neural Style Transfer",
    "14.13": "Image Classification (CIFAR-10) on Kaggle",
    "14.14": "Dog Breed Identification (ImageNet Dogs) on Kaggle",
    "15.1": "Word Embedding (word2vec)",
    "15.2": "Approximate Training",
    "15.3": "The Dataset for Pretraining Word Embeddings",
    "15.4": "Pretraining word2vec",
    "15.5": "Word Embedding with Global Vectors (GloVe)",
    "15.6": "Subword Embedding",
    "15.7": "Word Similarity and Analogy",
    "15.8": "Bidirectional Encoder Representations from Transformers (BERT)",
    "15.9": "The Dataset for Pretraining BERT",
    "15.10": "Pretraining BERT",
    "16.1": "Sentiment Analysis and the Dataset",
    "16.2": "Sentiment Analysis: Using Recurrent Neural Networks",
    "16.3": "Sentiment Analysis: Using Convolutional Neural Networks",
    "16.4": "Natural Language Inference and the Dataset",
    "16.5": "Natural Language Inference: Using Attention",
    "16.6": "Fine-Tuning BERT for Sequence-Level and Token-Level Applications",
    "16.7": "Natural Language Inference: Fine-Tuning BERT",
    "17.1": "Markov Decision Process (MDP)",
    "17.2": "Value Iteration",
    "17.3": "Q-Learning",
    "18.1": "Introduction to Gaussian Processes",
    "18.2": "Gaussian Process Priors",
    "18.3": "Gaussian Process Inference",
    "19.1": "What Is Hyperparameter Optimization?",
    "19.2": "Hyperparameter Optimization API",
    "19.3": "Asynchronous Random Search",
    "19.4": "Multi-Fidelity Hyperparameter Optimization",
    "19.5": "Asynchronous Successive Halving",
    "20.1": "Generative Adversarial Networks",
    "20.2": "Deep Convolutional Generative Adversarial Networks",
    "21.1": "Overview of Recommender Systems",
    "21.2": "The MovieLens Dataset",
    "21.3": "Matrix Factorization",
    "21.4": "AutoRec: Rating Prediction with Autoencoders",
    "21.5": "Personalized Ranking for Recommender Systems",
    "21.6": "Neural Collaborative Filtering for Personalized Ranking",
    "21.7": "Sequence-Aware Recommender Systems",
    "21.8": "Feature-Rich Recommender Systems",
    "21.9": "Factorization Machines",
    "21.10": "Deep Factorization Machines",
    "22.1": "Geometry and Linear Algebraic Operations",
    "22.2": "Eigendecompositions",
    "22.3": "Single Variable Calculus",
    "22.4": "Multivariable Calculus",
    "22.5": "Integral Calculus",
    "22.6": "Random Variables",
    "22.7": "Maximum Likelihood",
    "22.8": "Distributions",
    "22.9": "Naive Bayes",
    "22.10": "Statistics",
    "22.11": "Information Theory",
    "23.1": "Using Jupyter Notebooks",
    "23.2": "Using Amazon SageMaker",
    "23.3": "Using AWS EC2 Instances",
    "23.4": "Using Google Colab",
    "23.5": "Selecting Servers and GPUs",
    "23.6": "Contributing to This Book",
    "23.7": "Utility Functions and Classes",
    "23.8": "The `d2l` API Document",
}

# A section of edition 2.0 -> the section of 1.0 that teaches the same (the same source file
# in both books, or, where it was renamed or merged, the one that replaced it); None: none.
ZH_TO_EN: dict[str, str | None] = {
    "2.1": "2.1",
    "2.2": "2.2",
    "2.3": "2.3",
    "2.4": "2.4",
    "2.5": "2.5",
    "2.6": "2.6",
    "2.7": "2.7",
    "3.1": "3.1",
    "3.2": "3.4",
    "3.3": "3.5",
    "3.4": "4.1",
    "3.5": "4.2",
    "3.6": "4.4",
    "3.7": "4.5",
    "4.1": "5.1",
    "4.2": "5.2",
    "4.3": "5.2",
    "4.4": "3.6",
    "4.5": "3.7",
    "4.6": "5.6",
    "4.7": "5.3",
    "4.8": "5.4",
    "4.9": "4.7",
    "4.10": "5.7",
    "5.1": "6.1",
    "5.2": "6.2",
    "5.3": "6.4",
    "5.4": "6.5",
    "5.5": "6.6",
    "5.6": "6.7",
    "6.1": "7.1",
    "6.2": "7.2",
    "6.3": "7.3",
    "6.4": "7.4",
    "6.5": "7.5",
    "6.6": "7.6",
    "7.1": "8.1",
    "7.2": "8.2",
    "7.3": "8.3",
    "7.4": "8.4",
    "7.5": "8.5",
    "7.6": "8.6",
    "7.7": "8.7",
    "8.1": "9.1",
    "8.2": "9.2",
    "8.3": "9.3",
    "8.4": "9.4",
    "8.5": "9.5",
    "8.6": "9.6",
    "8.7": "9.7",
    "9.1": "10.2",
    "9.2": "10.1",
    "9.3": "10.3",
    "9.4": "10.4",
    "9.5": "10.5",
    "9.6": "10.6",
    "9.7": "10.7",
    "9.8": "10.8",
    "10.1": "11.1",
    "10.2": "11.2",
    "10.3": "11.3",
    "10.4": "11.4",
    "10.5": "11.5",
    "10.6": "11.6",
    "10.7": "11.7",
    "11.1": "12.1",
    "11.2": "12.2",
    "11.3": "12.3",
    "11.4": "12.4",
    "11.5": "12.5",
    "11.6": "12.6",
    "11.7": "12.7",
    "11.8": "12.8",
    "11.9": "12.9",
    "11.10": "12.10",
    "11.11": "12.11",
    "12.1": "13.1",
    "12.2": "13.2",
    "12.3": "13.3",
    "12.4": "13.4",
    "12.5": "13.5",
    "12.6": "13.6",
    "12.7": "13.7",
    "13.1": "14.1",
    "13.2": "14.2",
    "13.3": "14.3",
    "13.4": "14.4",
    "13.5": "14.5",
    "13.6": "14.6",
    "13.7": "14.7",
    "13.8": "14.8",
    "13.9": "14.9",
    "13.10": "14.10",
    "13.11": "14.11",
    "13.12": "14.12",
    "13.13": "14.13",
    "13.14": "14.14",
    "14.1": "15.1",
    "14.2": "15.2",
    "14.3": "15.3",
    "14.4": "15.4",
    "14.5": "15.5",
    "14.6": "15.6",
    "14.7": "15.7",
    "14.8": "15.8",
    "14.9": "15.9",
    "14.10": "15.10",
    "15.1": "16.1",
    "15.2": "16.2",
    "15.3": "16.3",
    "15.4": "16.4",
    "15.5": "16.5",
    "15.6": "16.6",
    "15.7": "16.7",
    "16.1": "23.1",
    "16.2": "23.2",
    "16.3": "23.3",
    "16.4": "23.5",
    "16.5": "23.6",
    "16.6": "23.8",
}

# The first Chinese edition (2019, d2l-zh v1.0.0): the one section a recipe comes from.
_ZH_FIRST_TOC = {"6.4": "循环神经网络的从零开始实现"}

# How the two editions differ where they pair a section (edition 2.0's number).
_DIFFERENCES = {
    "4.2": "d2l.ai 1.0 builds the MLP from scratch and concisely in one section",
    "4.3": "d2l.ai 1.0 builds the MLP from scratch and concisely in one section",
    "4.4": "d2l.ai 1.0 discusses polynomial curve fitting in this section but runs no experiment",
    "9.4": "d2l.ai 1.0 builds the bidirectional RNN here but does not train it as a language "
    "model (the Chinese edition does, to show why that is a mistake)",
}

# Where a recipe that no edition 2.0 section holds comes from, by the start of its section:
# (the note, the origin's name before the rest of the section: "course 3" -> lesson 3).
_ORIGINS = {
    "course": (
        "from a course, not the book: Liu Er's PyTorch deep learning practice",
        "Liu Er's course, lesson",
    ),
    "handbook": (
        "from the PyTorch handbook (zergtant/pytorch-handbook, 1.3.4: PyTorch's 60-minute "
        "tutorial), not the book",
        "PyTorch handbook",
    ),
    "fast": (
        "beyond the book: what modern practice reaches on the book's Fashion-MNIST",
        "d2lkit, beyond the book",
    ),
}
_FIRST_EDITION = re.compile(r"^(\d+\.\d+) \(1st ed\.\)$")


def book_sections(recipe: str | Recipe) -> BookSections:
    """Where ``recipe`` (a recipe or its name) is in both editions, from its ``section``."""
    if isinstance(recipe, str):
        from d2lkit.experiments.registry import get_recipe

        recipe = get_recipe(recipe)
    number = recipe.section
    if number in ZH_TOC:
        en = ZH_TO_EN[number]
        return BookSections(
            Section(number, ZH_TOC[number]),
            Section(en, EN_TOC[en]) if en is not None else None,
            _DIFFERENCES.get(number, ""),
        )
    first = _FIRST_EDITION.match(number)
    if first is not None:
        return BookSections(
            None,
            None,
            f"from the first Chinese edition (2019); edition 2.0 has no such experiment. "
            f"{recipe.notes}".strip(),
            zh_first=Section(first.group(1), _ZH_FIRST_TOC[first.group(1)]),
        )
    kind, _, rest = number.partition(" ")
    note, where = _ORIGINS.get(kind, ("not from the book", kind))
    return BookSections(None, None, note, origin=f"{where} {rest}".strip())


def section_label(recipe: str | Recipe, *, first: Edition = "en", titles: bool = True) -> str:
    """``"8.5 Batch Normalization (zh 7.5)"`` for ``recipe``; see :meth:`BookSections.label`."""
    return book_sections(recipe).label(first, titles=titles)
