"""Every data file d2lkit knows: where it comes from and how to recognise it.

One entry per file, listed once. ``checksum`` is of the file exactly as the
official URL serves it; ``content_sha256``, for a ``.gz`` file, is of the
decompressed bytes, so an unpacked copy (or a re-compressed one) is verified
too. Mirrors follow the official URL in ``urls``; an entry with no URL (no
official source is known) can only be put in place by hand.

Two more kinds of local copy are accepted, each stated in the entry:

- ``also_accepted``: checksums of other copies known to hold the same data in
  other bytes. fra-eng.zip is the case: the copy of Tatoeba pairs we test
  against has the book's layout but not its bytes. The official checksum stays
  first, so a download is still judged against what the book's hub serves.
- ``unpack_to``: an archive whose extracted folder is what readers use (the
  Kaggle CIFAR-10 PNG layout). The folder, relative to the data set's folder
  (``"."`` is that folder itself), counts as a local copy of the archive. It is
  verified by a tree digest (:func:`d2lkit.data.store.tree_digest`: the sha1 of
  every file's path and sha1): one listed in ``tree_checksums`` for known
  copies, or the one d2lkit recorded when it extracted a verified archive
  there. ``fetch`` downloads the archive and extracts it; an archive holding a
  single top folder has that folder's content installed.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, overload

from d2lkit.errors import ConfigError, DataError
from d2lkit.registry import Registry

__all__ = [
    "DATASETS",
    "DataFile",
    "Dataset",
    "DatasetRegistry",
    "fetch_command",
    "fetch_hint",
    "get_dataset",
    "refetch_hint",
]


@dataclass(frozen=True)
class DataFile:
    """One file of a data set, as it is downloaded."""

    name: str
    urls: tuple[str, ...]
    checksum: str  # "md5:…", "sha1:…" or "sha256:…" of the served bytes; see below for
    # "sha256-prefix:…", the leading hex digits only, for files whose full hash is unknown
    size: int | None = None  # bytes as served
    content_sha256: str | None = None  # of the decompressed bytes of a .gz
    format: str | None = None  # "idx": the IDX header is checked too
    also_accepted: tuple[str, ...] = ()  # checksums of other known-good copies
    unpack_to: str | None = None  # archive: the folder its extracted copy lives in
    tree_checksums: tuple[str, ...] = ()  # "sha1:" tree digests of known extracted copies

    @property
    def checksums(self) -> tuple[str, ...]:
        """Every checksum a good copy may have: the official one first."""
        return (self.checksum, *self.also_accepted)

    @property
    def url(self) -> str:
        """The official URL, or "" when no official source is known."""
        return self.urls[0] if self.urls else ""

    @property
    def is_gzip(self) -> bool:
        return self.name.endswith(".gz")

    @property
    def unpacked_name(self) -> str:
        """The name of an unpacked copy of a ``.gz`` file (its own name otherwise)."""
        return self.name[:-3] if self.is_gzip else self.name


@dataclass(frozen=True)
class Dataset:
    """A named group of files that live together in ``<data dir>/<folder>``."""

    name: str
    folder: str
    title: str
    files: tuple[DataFile, ...]
    homepage: str = ""
    license: str = ""

    def file(self, name: str) -> DataFile:
        for entry in self.files:
            if name in (entry.name, entry.unpacked_name):
                return entry
        known = ", ".join(f.name for f in self.files)
        raise DataError(f"data set {self.name!r} has no file {name!r}", fix=f"use one of: {known}")


def _mirrored(bases: tuple[str, ...], name: str) -> tuple[str, ...]:
    return tuple(base + name for base in bases)


# https first wherever the host offers it; the plain-http website endpoint stays a later mirror.
_FASHION_MNIST_URLS = (
    "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)
_MNIST_URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def _idx_files(
    bases: tuple[str, ...], rows: tuple[tuple[str, str, int, str | None], ...]
) -> tuple[DataFile, ...]:
    return tuple(
        DataFile(
            name=name,
            urls=_mirrored(bases, name),
            checksum=f"md5:{md5}",
            size=size,
            content_sha256=content,
            format="idx",
        )
        for name, md5, size, content in rows
    )


FASHION_MNIST = Dataset(
    name="fashion-mnist",
    folder="fashion-mnist",
    title="Fashion-MNIST: 70,000 28x28 grey images of clothes, 10 classes",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    license="MIT",
    files=_idx_files(
        _FASHION_MNIST_URLS,
        (
            (
                "train-images-idx3-ubyte.gz",
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                26421880,
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "25c81989df183df01b3e8a0aad5dffbe",
                29515,
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "bef4ecab320f06d8554ea6380940ec79",
                4422102,
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "bb300cfdad3c16e7a12a480ee83cd310",
                5148,
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        ),
    ),
)

# The official MNIST checksums are of the .gz downloads only; an unpacked MNIST
# file can therefore be checked for its structure but not for its content.
MNIST = Dataset(
    name="mnist",
    folder="mnist",
    title="MNIST: 70,000 28x28 grey images of handwritten digits, 10 classes",
    homepage="http://yann.lecun.com/exdb/mnist/",
    license="CC BY-SA 3.0",
    files=_idx_files(
        _MNIST_URLS,
        (
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422, None),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881, None),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877, None),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542, None),
        ),
    ),
)

# --- the book's data hub ---------------------------------------------------
# Files of https://d2l-data.s3-accelerate.amazonaws.com/ (the sha1 the book's
# DATA_HUB checks), all in one folder "d2l". Where the first edition's
# repository holds byte-identical copies, they are listed as mirrors; the
# book's plain-http address comes last.

D2L_HUB = "https://d2l-data.s3-accelerate.amazonaws.com/"
D2L_HUB_HTTP = "http://d2l-data.s3-accelerate.amazonaws.com/"
_D2L_ZH_V1 = "https://raw.githubusercontent.com/d2l-ai/d2l-zh/v1/data/"


def _hub_file(
    name: str, sha1: str, size: int | None, *mirrors: str, also_accepted: tuple[str, ...] = ()
) -> DataFile:
    return DataFile(
        name=name,
        urls=(D2L_HUB + name, *(m + name for m in mirrors), D2L_HUB_HTTP + name),
        checksum=f"sha1:{sha1}",
        size=size,
        also_accepted=also_accepted,
    )


KAGGLE_HOUSE = Dataset(
    name="kaggle-house",
    folder="d2l",
    title="Kaggle house prices (book 4.10): 1,460 training and 1,459 test houses, 79 features",
    homepage="https://www.kaggle.com/c/house-prices-advanced-regression-techniques",
    files=(
        _hub_file(
            "kaggle_house_pred_train.csv",
            "585e9cc93e70b39160e7921475f9bcd7d31219ce",
            460676,
            _D2L_ZH_V1,
        ),
        _hub_file(
            "kaggle_house_pred_test.csv",
            "fa19780a7b011d9b009e8bff8e99922a8ee2eb90",
            451405,
            _D2L_ZH_V1,
        ),
    ),
)

TIME_MACHINE = Dataset(
    name="time-machine",
    folder="d2l",
    title="The Time Machine by H. G. Wells (book 8.x): text for language models",
    homepage="https://www.gutenberg.org/ebooks/35",
    license="public domain",
    files=(_hub_file("timemachine.txt", "090b5e7e70c295757f55df93cb0a180b9691891a", 178979),),
)

AIRFOIL = Dataset(
    name="airfoil",
    folder="d2l",
    title="NASA airfoil self-noise (book 11.x): 1,503 rows, 5 features and the sound level",
    homepage="https://archive.ics.uci.edu/dataset/291/airfoil+self+noise",
    license="CC BY 4.0",
    files=(
        _hub_file(
            "airfoil_self_noise.dat", "76e5be1548fd8222e5074cf0faae75edff8cf93f", 59984, _D2L_ZH_V1
        ),
    ),
)

PTB = Dataset(
    name="ptb",
    folder="d2l",
    title="Penn Tree Bank sentences (book 14.3): word2vec pretraining",
    homepage="https://catalog.ldc.upenn.edu/LDC99T42",
    files=(_hub_file("ptb.zip", "319d85e578af0cdc590547f26231e4e31cdf1e42", 1981551, _D2L_ZH_V1),),
)

# The copy we test against (Tatoeba via manythings.org, 2019-04-07, 167,130
# pairs) has the book's layout (fra-eng/fra.txt, two tab-separated columns) but
# not its bytes; it is accepted beside the official checksum, which stays first.
FRA_ENG = Dataset(
    name="fra-eng",
    folder="d2l",
    title="English-French sentence pairs from Tatoeba (book 9.5): machine translation",
    homepage="http://www.manythings.org/anki/",
    license="CC BY 2.0 FR",
    files=(
        _hub_file(
            "fra-eng.zip",
            "94646ad1522d915e7b0f9296181140edcf86a4f5",
            None,
            also_accepted=("sha1:73848f36c17cc9c0187a058d6f7f315e68cdd61f",),
        ),
    ),
)

FR_EN_SMALL = Dataset(
    name="fr-en-small",
    folder="d2l",
    title="20 French-English pairs, already tokenised (first edition): tiny translation tests",
    files=(
        _hub_file("fr-en-small.txt", "4192ace3405b0b6a2f9761eb6c19494b1f8a9761", 806, _D2L_ZH_V1),
    ),
)

# The zip in the first edition's repository holds an older, shorter text
# (other bytes), so it is not a mirror of this file.
JAYCHOU_LYRICS = Dataset(
    name="jaychou-lyrics",
    folder="d2l",
    title="Jay Chou lyrics, 64,925 Chinese characters (first edition): character language model",
    files=(_hub_file("jaychou_lyrics.txt.zip", "aea46bd5d5fb2f05d6cd38d8e6b461d679fa4f00", 53443),),
)

ACLIMDB_TINY = Dataset(
    name="aclimdb-tiny",
    folder="d2l",
    title="A tiny sample of the IMDb movie reviews (first edition): sentiment smoke tests",
    homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
    files=(
        _hub_file(
            "aclImdb_tiny.zip",
            "ad46fc41b7af455b0b4d990a274a727a525f2c0e",
            32845,
            "https://raw.githubusercontent.com/d2l-ai/d2l-zh/"
            "56bcc80ce123633356b58208d20ace0b4c2b0e71/data/",
        ),
    ),
)

# --- natural language processing (chapters 14-15) --------------------------
# The files the book's DATA_HUB names for its NLP chapters, with its sha1s. They
# live in "d2l" beside the hub's other files: the book's ../data, one to one.
# Readers read the archives in place (members are read, nothing is extracted).


def _glove(name: str, sha1: str, title: str, homepage: str, license: str) -> Dataset:
    """A pretrained-embedding zip of the book's hub: ``<stem>/vec.txt`` inside."""
    return Dataset(
        name=name.lower().removesuffix(".zip"),
        folder="d2l",
        title=title,
        homepage=homepage,
        license=license,
        files=(_hub_file(name, sha1, None),),
    )


_GLOVE_HOME = "https://nlp.stanford.edu/projects/glove/"
GLOVE_6B_50D = _glove(
    "glove.6B.50d.zip",
    "0b8703943ccdb6eb788e6f091b8946e82231bc4d",
    "GloVe 6B, 50-d: 400,000 word vectors (book 14.7): similarity and analogy",
    _GLOVE_HOME,
    "PDDL 1.0",
)
GLOVE_6B_100D = _glove(
    "glove.6B.100d.zip",
    "cd43bfb07e44e6f27cbcc7bc9ae3d80284fdaf5a",
    "GloVe 6B, 100-d: 400,000 word vectors (book 15.2-15.5): pretrained input embeddings",
    _GLOVE_HOME,
    "PDDL 1.0",
)
GLOVE_42B_300D = _glove(
    "glove.42B.300d.zip",
    "b5116e234e9eb9076672cfeabf5469f3eec904fa",
    "GloVe 42B, 300-d: 1.9 million word vectors (book 14.7, exercises)",
    _GLOVE_HOME,
    "PDDL 1.0",
)
WIKI_EN = _glove(
    "wiki.en.zip",
    "c1816da3821ae9f43899be655002f6c723e91b88",
    "fastText English Wikipedia word vectors, 300-d (book 14.7, exercises)",
    "https://fasttext.cc/docs/en/pretrained-vectors.html",
    "CC BY-SA 3.0",
)

# The book's S3 address is the official one; the corpus's author now serves it here.
WIKITEXT_2 = Dataset(
    name="wikitext-2",
    folder="d2l",
    title="WikiText-2 (tokenised Wikipedia articles, book 14.9): BERT pretraining",
    homepage="https://blog.salesforceairesearch.com/the-wikitext-long-term-dependency-language-modeling-dataset/",
    license="CC BY-SA 3.0",
    files=(
        DataFile(
            name="wikitext-2-v1.zip",
            urls=(
                "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
                "https://wikitext.smerity.com/wikitext-2-v1.zip",
            ),
            checksum="sha1:3c914d17d80b1459be871a5039ac23e752a53cbe",
        ),
    ),
)

# 25,000 training and 25,000 test reviews (and 50,000 unlabelled ones the book skips).
# The English edition's hub holds the same bytes (same sha1) as Stanford's file.
ACLIMDB = Dataset(
    name="aclimdb",
    folder="d2l",
    title="IMDb movie reviews, 50,000 labelled (book 15.1-15.3): sentiment analysis",
    homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
    files=(
        DataFile(
            name="aclImdb_v1.tar.gz",
            urls=(
                "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                D2L_HUB + "aclImdb_v1.tar.gz",
                "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
            ),
            checksum="sha1:01ada507287d82875905620988597833ad4e0903",
        ),
    ),
)

SNLI = Dataset(
    name="snli",
    folder="d2l",
    title="Stanford Natural Language Inference, 570,000 sentence pairs (book 15.4-15.7)",
    homepage="https://nlp.stanford.edu/projects/snli/",
    license="CC BY-SA 4.0",
    files=(
        DataFile(
            name="snli_1.0.zip",
            urls=("https://nlp.stanford.edu/projects/snli/snli_1.0.zip",),
            checksum="sha1:9fcde07509c7e87ec61c640c1b2753d9041758e4",
        ),
    ),
)

# The book's pretrained BERT (15.7): <stem>/vocab.json and <stem>/pretrained.params
# (a state dict of the book's BERTModel) inside each zip.
BERT_SMALL = Dataset(
    name="bert.small",
    folder="d2l",
    title="The book's small pretrained BERT (2 layers, 256 hidden, 4 heads; book 15.7)",
    files=(_hub_file("bert.small.torch.zip", "c72329e68a732bef0452e4b96a1c341c8910f81f", None),),
)
BERT_BASE = Dataset(
    name="bert.base",
    folder="d2l",
    title="The book's pretrained BERT base (12 layers, 768 hidden, 12 heads; book 15.7)",
    files=(_hub_file("bert.base.torch.zip", "225d66f04cae318b841a13d32af3acc165f253ac", None),),
)

# --- course notes ------------------------------------------------------------

# No official URL is known: the course hands the file out with its slides.
DIABETES = Dataset(
    name="diabetes",
    folder="liuer",
    title="Pima Indians diabetes, 758 rows of 8 scaled features and a 0/1 label (course notes)",
    files=(
        DataFile(
            name="diabetes.csv.gz",
            urls=(),
            checksum="sha1:4246939b30d9f338f0b3e45afc94ee3b2ec533fb",
            size=13525,
            content_sha256="ee2f8a2723e7d5cc7572ce1f5b1ab32bca4c91f9d18d7039599f53d724e0f83e",
        ),
    ),
)

# --- CIFAR-10 ----------------------------------------------------------------

CIFAR10 = Dataset(
    name="cifar-10",
    folder="cifar-10",
    title="CIFAR-10: 60,000 32x32 colour images, 10 classes (python pickle batches)",
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    files=(
        DataFile(
            name="cifar-10-python.tar.gz",
            urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
            checksum="md5:c58f30108f718f92721af3b95e74349a",
            size=170498071,
        ),
    ),
)

# The book's kaggle_cifar10_tiny.zip unpacks into the data set's folder itself
# (train/<id>.png, test/<id>.png, trainLabels.csv). The folder we test against
# holds other images than that zip (1,000 train, 100 test, all 50,000 labels),
# so its tree digest is listed as a known copy.
CIFAR10_TINY = Dataset(
    name="cifar10-tiny",
    folder="cifar10-tiny",
    title="CIFAR-10 in Kaggle's PNG layout, a small sample (book 14.13)",
    homepage="https://www.kaggle.com/c/cifar-10",
    files=(
        DataFile(
            name="kaggle_cifar10_tiny.zip",
            urls=(D2L_HUB + "kaggle_cifar10_tiny.zip", D2L_HUB_HTTP + "kaggle_cifar10_tiny.zip"),
            checksum="sha1:2068874e4b9a9f0fb07ebe0ad2b29754449ccacd",
            unpack_to=".",
            tree_checksums=("sha1:a52841d7e992b60eec25a9f448fa7e6ad69085d4",),
        ),
    ),
)


# --- computer vision (book chapter 13) ----------------------------------------
# The book's hub archives, each unpacked into its own folder, which then stands
# for the archive (as cifar10-tiny's): readers use the extracted images. An
# archive with one top folder has that folder's content installed, so
# hotdog.zip's hotdog/train/... lands in <data>/hotdog/train/...


def _hub_archive(name: str, sha1: str, size: int | None = None, *mirrors: str) -> DataFile:
    return DataFile(
        name=name,
        urls=(D2L_HUB + name, *mirrors, D2L_HUB_HTTP + name),
        checksum=f"sha1:{sha1}",
        size=size,
        unpack_to=".",
    )


HOTDOG = Dataset(
    name="hotdog",
    folder="hotdog",
    title="Hot dogs or not (book 13.2): 2,000 train and 1,800 test photos in two class folders",
    files=(_hub_archive("hotdog.zip", "fba480ffa8aa7e0febbb511d181409f899b9baa5"),),
)

BANANA_DETECTION = Dataset(
    name="banana-detection",
    folder="banana-detection",
    title="Bananas pasted on photos (book 13.6): 1,000 train, 100 val 256x256 images, a box each",
    files=(_hub_archive("banana-detection.zip", "5de26c8fce5ccdea9f91267273464dc968d20d72"),),
)

# The hub's copy is byte-identical to the official PASCAL VOC archive (same sha1
# and size), so the official address is a mirror.
VOC2012 = Dataset(
    name="voc2012",
    folder="voc2012",
    title="PASCAL VOC 2012 trainval (book 13.9): segmentation masks of 21 classes",
    homepage="http://host.robots.ox.ac.uk/pascal/VOC/voc2012/",
    files=(
        _hub_archive(
            "VOCtrainval_11-May-2012.tar",
            "4e443f8a2eca6b1dac8a6c57641b67dd40621a49",
            1999639040,
            "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
        ),
    ),
)

DOG_TINY = Dataset(
    name="dog-tiny",
    folder="dog-tiny",
    title="A small sample of Kaggle's dog breed identification (book 13.14): 120 breeds",
    homepage="https://www.kaggle.com/c/dog-breed-identification",
    files=(_hub_archive("kaggle_dog_tiny.zip", "0cb91d09b814ecdc07b50f31f8dcad3e81d6a86d"),),
)

POKEMON = Dataset(
    name="pokemon",
    folder="pokemon",
    title="Pokemon sprites (book 17.2, DCGAN): one folder of images per class",
    files=(_hub_archive("pokemon.zip", "c065c0e2593b8b161a2d7873e42418bf6a21106c"),),
)

# Pretrained ImageNet weights of torchvision's models (13.2 fine-tuning and 13.11
# FCN use ResNet-18, 13.12 style transfer VGG-19), from PyTorch's own server. Their
# names carry the first hex digits of the file's sha256 (torch.hub checks only
# those). ResNet-18's full sha256 and size are known; for VGG-19 only the
# prefix is, so its check is that prefix ("sha256-prefix"), as torch.hub's is.
_TORCH_MODELS = "https://download.pytorch.org/models/"

RESNET18_IMAGENET = Dataset(
    name="resnet18-imagenet",
    folder="weights",
    title="ResNet-18 trained on ImageNet (torchvision IMAGENET1K_V1): fine-tuning, FCN",
    homepage="https://pytorch.org/vision/stable/models.html",
    license="BSD-3-Clause",
    files=(
        DataFile(
            name="resnet18-f37072fd.pth",
            urls=(_TORCH_MODELS + "resnet18-f37072fd.pth",),
            checksum="sha256:f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec",
            size=46830571,
        ),
    ),
)

VGG19_IMAGENET = Dataset(
    name="vgg19-imagenet",
    folder="weights",
    title="VGG-19 trained on ImageNet (torchvision IMAGENET1K_V1): style transfer",
    homepage="https://pytorch.org/vision/stable/models.html",
    license="BSD-3-Clause",
    files=(
        DataFile(
            name="vgg19-dcbb9e9d.pth",
            urls=(_TORCH_MODELS + "vgg19-dcbb9e9d.pth",),
            checksum="sha256-prefix:dcbb9e9d",
        ),
    ),
)


# ResNet-34 for 13.14's dog breeds: only the name's sha256 prefix is known, as for VGG-19.
RESNET34_IMAGENET = Dataset(
    name="resnet34-imagenet",
    folder="weights",
    title="ResNet-34 trained on ImageNet (torchvision IMAGENET1K_V1): dog breeds (13.14)",
    homepage="https://pytorch.org/vision/stable/models.html",
    license="BSD-3-Clause",
    files=(
        DataFile(
            name="resnet34-b627a593.pth",
            urls=(_TORCH_MODELS + "resnet34-b627a593.pth",),
            checksum="sha256-prefix:b627a593",
        ),
    ),
)

# 13.12's content and style photos ship in the book's repository (img/), not on its data
# hub: the same files in d2l-zh and d2l-en (identical git blobs), fetched from either.
_BOOK_IMG = (
    "https://raw.githubusercontent.com/d2l-ai/d2l-zh/master/img/",
    "https://raw.githubusercontent.com/d2l-ai/d2l-en/master/img/",
)
STYLE_IMAGES = Dataset(
    name="style-images",
    folder="style-images",
    title="The book's photos for neural style transfer (13.12): Mount Rainier, an autumn oak",
    homepage="https://github.com/d2l-ai/d2l-zh/tree/master/img",
    files=(
        DataFile(
            name="rainier.jpg",
            urls=tuple(base + "rainier.jpg" for base in _BOOK_IMG),
            checksum="sha1:b0193ffd8ecea1631ac1092130017b884faafa30",
            size=578469,
        ),
        DataFile(
            name="autumn-oak.jpg",
            urls=tuple(base + "autumn-oak.jpg" for base in _BOOK_IMG),
            checksum="sha1:bbe11f01403b9726bbc625589550e574fc45980a",
            size=2850502,
        ),
    ),
)


_D = TypeVar("_D")
_NO_DEFAULT = object()


class DatasetRegistry(Registry[Dataset]):
    """The catalog's data sets by name: the shared :class:`~d2lkit.registry.Registry` lookup
    (an unknown name suggests close ones, as a :class:`DataError`) that also reads and
    writes like a dict, so code and tests can use and patch it as one."""

    def __init__(self, datasets: Iterable[Dataset] = ()) -> None:
        super().__init__("data set")
        for dataset in datasets:
            self.add(dataset.name, dataset)

    @overload
    def get(self, name: str) -> Dataset: ...

    @overload
    def get(self, name: str, default: _D) -> Dataset | _D: ...

    def get(self, name: str, default: object = _NO_DEFAULT) -> object:
        """The data set called ``name``; an unknown name is a DataError suggesting close ones.

        With a ``default``, an unknown name gives it instead, as a dict's ``get`` does.
        """
        if default is not _NO_DEFAULT:
            return self._entries.get(name, default)
        self.hint = f"`d2lkit data list` shows all {len(self)} data sets"
        try:
            return super().get(name)
        except ConfigError as exc:
            raise DataError(exc.message, fix=exc.fix) from None

    def __getitem__(self, name: str) -> Dataset:
        return self._entries[name]

    def __setitem__(self, name: str, dataset: Dataset) -> None:
        self._entries[name] = dataset

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def keys(self) -> builtins.list[str]:
        return self.list()

    def values(self) -> builtins.list[Dataset]:
        return [dataset for _, dataset in self.items()]


DATASETS = DatasetRegistry(
    (
        FASHION_MNIST,
        MNIST,
        CIFAR10,
        CIFAR10_TINY,
        KAGGLE_HOUSE,
        AIRFOIL,
        DIABETES,
        TIME_MACHINE,
        JAYCHOU_LYRICS,
        FRA_ENG,
        FR_EN_SMALL,
        PTB,
        ACLIMDB_TINY,
        HOTDOG,
        BANANA_DETECTION,
        VOC2012,
        DOG_TINY,
        POKEMON,
        RESNET18_IMAGENET,
        RESNET34_IMAGENET,
        VGG19_IMAGENET,
        STYLE_IMAGES,
        GLOVE_6B_50D,
        GLOVE_6B_100D,
        GLOVE_42B_300D,
        WIKI_EN,
        WIKITEXT_2,
        ACLIMDB,
        SNLI,
        BERT_SMALL,
        BERT_BASE,
    )
)


def get_dataset(name: str) -> Dataset:
    """Look up a data set by name; an unknown name suggests the closest ones."""
    return DATASETS.get(name)


def fetch_hint(dataset: str) -> str:
    """How to fetch data set ``dataset`` again: ``d2lkit data fetch NAME`` with its real name,
    or, for a file the book's ``DATA_HUB`` registered (``hub:NAME``, known to that process
    only), the book's own ``d2l.download('NAME')``."""
    if dataset.startswith("hub:"):
        return f"`d2l.download({dataset[len('hub:') :]!r})`"
    return f"`d2lkit data fetch {dataset}`"


def fetch_command(entry: DataFile) -> str:
    """The command that fetches ``entry`` again, naming its data set when the catalog has it."""
    for dataset in DATASETS.values():
        if entry in dataset.files:
            return fetch_hint(dataset.name)
    return "`d2lkit data fetch <data set>` (`d2lkit data list` names it)"


def refetch_hint(path: str | os.PathLike[str]) -> str:
    """How to fetch the file at ``path`` again: its data set's command, by the file's name.

    A name two data sets share (MNIST and Fashion-MNIST name their files alike)
    is told apart by the folder the file is in; failing that, each is named. A
    file the catalog does not list (the user's own) gets the generic advice.
    """
    path = Path(path)
    owners = [
        dataset
        for dataset in DATASETS.values()
        if not dataset.name.startswith("hub:")
        and any(path.name in (entry.name, entry.unpacked_name) for entry in dataset.files)
    ]
    folders = {parent.name for parent in path.parents}
    here = [dataset for dataset in owners if dataset.folder in folders]
    chosen = here if len(here) == 1 else owners
    if not chosen:
        return "`d2lkit data fetch <data set>` (`d2lkit data list` names it)"
    return " or ".join(fetch_hint(dataset.name) for dataset in chosen)
