"""Data: a verified store of files, readers that return tensors, fast loaders.

Readers download a missing data set on first use into ``root`` (default
``$D2LKIT_DATA``), as torchvision's ``download=True`` does; ``download=False``
or ``$D2LKIT_OFFLINE=1`` turns that off, and then (as without a network) one
:class:`~d2lkit.data.store.DataSetUnavailable` names every missing file, its
URL and the folder to put it in.

Names load on first use (PEP 562): ``import d2lkit.data`` runs no reader, and
importing :mod:`~d2lkit.data.catalog`, :mod:`~d2lkit.data.store` or
:mod:`~d2lkit.data.missing` imports no torch, so ``d2lkit data list``, ``data
verify`` and the offline "missing files" answer come back before torch could
load. ``from d2lkit.data import X`` works for every name in ``__all__``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ loads each name
    from d2lkit.data.archive import extract_archive, read_zip_member, zip_members
    from d2lkit.data.bert_inputs import (
        get_tokens_and_segments,
    )
    from d2lkit.data.catalog import DATASETS, DataFile, Dataset, get_dataset
    from d2lkit.data.detection import (
        DetectionSet,
        bananas_loaders,
        read_bananas,
    )
    from d2lkit.data.embeddings import (
        TokenEmbedding,
        load_token_embedding,
    )
    from d2lkit.data.files import decode_text, read_csv, read_text, require_columns
    from d2lkit.data.image_folder import (
        read_hotdog,
        read_image_folder,
    )
    from d2lkit.data.imdb import (
        load_data_imdb,
        read_imdb,
    )
    from d2lkit.data.kaggle import (
        copyfile,
        read_csv_labels,
        reorg_test,
        reorg_train_valid,
    )
    from d2lkit.data.loaders import TensorLoader
    from d2lkit.data.nmt import (
        NMT_RESERVED,
        build_array_nmt,
        load_data_nmt,
        preprocess_nmt,
        read_data_nmt,
        tokenize_nmt,
        truncate_pad,
    )
    from d2lkit.data.pretrained_bert import (
        read_pretrained_bert,
    )
    from d2lkit.data.ptb import (
        PTBLoader,
        Ragged,
        RandomGenerator,
        batchify,
        get_centers_and_contexts,
        get_negatives,
        load_data_ptb,
        read_ptb,
        subsample,
    )
    from d2lkit.data.segmentation import (
        VOC_CLASSES,
        VOC_COLORMAP,
        SegmentationSet,
        VOCSegDataset,
        read_voc,
        voc_loaders,
    )
    from d2lkit.data.snli import (
        load_data_snli,
        read_snli,
    )
    from d2lkit.data.store import (
        clean_stale,
        data_dir,
        fetch,
        fetch_all,
        file_status,
        require,
        require_unpacked,
        tree_digest,
        verify,
    )
    from d2lkit.data.synthetic import (
        PolynomialData,
        high_dim_linear_data,
        polynomial_data,
        synthetic_data,
    )
    from d2lkit.data.tabular import (
        HouseData,
        fill_na_with_mean,
        frame_to_tensor,
        get_data_ch11,
        load_kaggle_house,
        one_hot,
        preprocess_kaggle_house,
        read_airfoil,
        read_diabetes,
        read_kaggle_house,
        read_numeric_table,
        write_submission,
    )
    from d2lkit.data.text import (
        SeqDataLoader,
        Vocab,
        count_corpus,
        load_corpus_jay_lyrics,
        load_corpus_time_machine,
        load_data_jay_lyrics,
        load_data_time_machine,
        read_jay_lyrics,
        read_time_machine,
        seq_data_iter_random,
        seq_data_iter_sequential,
        tokenize,
    )
    from d2lkit.data.transforms import (
        Compose,
        ImageBatch,
        Normalize,
        RandomCrop,
        RandomHorizontalFlip,
        Resize,
    )
    from d2lkit.data.vision import (
        CIFAR10_CLASSES,
        CIFAR10_MEAN_STD,
        FASHION_MNIST_CLASSES,
        MNIST_CLASSES,
        MNIST_MEAN_STD,
        ImageSet,
        fashion_mnist_loaders,
        image_loaders,
        read_cifar10,
        read_cifar10_archive,
        read_cifar10_kaggle,
        read_fashion_mnist,
        read_kaggle_cifar10_folder,
        read_mnist,
    )
    from d2lkit.data.wikitext import (
        load_data_wiki,
        read_wiki,
    )

# Each public name -> the submodule that defines it (tests/data/test_package.py checks that
# this table, the imports above and __all__ agree).
_SOURCES: dict[str, str] = {
    "get_tokens_and_segments": "bert_inputs",
    "TokenEmbedding": "embeddings",
    "load_token_embedding": "embeddings",
    "load_data_imdb": "imdb",
    "read_imdb": "imdb",
    "read_pretrained_bert": "pretrained_bert",
    "load_data_snli": "snli",
    "read_snli": "snli",
    "load_data_wiki": "wikitext",
    "read_wiki": "wikitext",
    "RandomGenerator": "ptb",
    "DetectionSet": "detection",
    "bananas_loaders": "detection",
    "read_bananas": "detection",
    "read_hotdog": "image_folder",
    "read_image_folder": "image_folder",
    "copyfile": "kaggle",
    "read_csv_labels": "kaggle",
    "reorg_test": "kaggle",
    "reorg_train_valid": "kaggle",
    "VOC_CLASSES": "segmentation",
    "VOC_COLORMAP": "segmentation",
    "SegmentationSet": "segmentation",
    "VOCSegDataset": "segmentation",
    "read_voc": "segmentation",
    "voc_loaders": "segmentation",
    "extract_archive": "archive",
    "read_zip_member": "archive",
    "zip_members": "archive",
    "DATASETS": "catalog",
    "DataFile": "catalog",
    "Dataset": "catalog",
    "get_dataset": "catalog",
    "decode_text": "files",
    "read_csv": "files",
    "read_text": "files",
    "require_columns": "files",
    "TensorLoader": "loaders",
    "NMT_RESERVED": "nmt",
    "build_array_nmt": "nmt",
    "load_data_nmt": "nmt",
    "preprocess_nmt": "nmt",
    "read_data_nmt": "nmt",
    "tokenize_nmt": "nmt",
    "truncate_pad": "nmt",
    "PTBLoader": "ptb",
    "Ragged": "ptb",
    "batchify": "ptb",
    "get_centers_and_contexts": "ptb",
    "get_negatives": "ptb",
    "load_data_ptb": "ptb",
    "read_ptb": "ptb",
    "subsample": "ptb",
    "clean_stale": "store",
    "data_dir": "store",
    "fetch": "store",
    "fetch_all": "store",
    "file_status": "store",
    "require": "store",
    "require_unpacked": "store",
    "tree_digest": "store",
    "verify": "store",
    "PolynomialData": "synthetic",
    "high_dim_linear_data": "synthetic",
    "polynomial_data": "synthetic",
    "synthetic_data": "synthetic",
    "HouseData": "tabular",
    "fill_na_with_mean": "tabular",
    "frame_to_tensor": "tabular",
    "get_data_ch11": "tabular",
    "load_kaggle_house": "tabular",
    "one_hot": "tabular",
    "preprocess_kaggle_house": "tabular",
    "read_airfoil": "tabular",
    "read_diabetes": "tabular",
    "read_kaggle_house": "tabular",
    "read_numeric_table": "tabular",
    "write_submission": "tabular",
    "SeqDataLoader": "text",
    "Vocab": "text",
    "count_corpus": "text",
    "load_corpus_jay_lyrics": "text",
    "load_corpus_time_machine": "text",
    "load_data_jay_lyrics": "text",
    "load_data_time_machine": "text",
    "read_jay_lyrics": "text",
    "read_time_machine": "text",
    "seq_data_iter_random": "text",
    "seq_data_iter_sequential": "text",
    "tokenize": "text",
    "Compose": "transforms",
    "ImageBatch": "transforms",
    "Normalize": "transforms",
    "RandomCrop": "transforms",
    "RandomHorizontalFlip": "transforms",
    "Resize": "transforms",
    "CIFAR10_CLASSES": "vision",
    "CIFAR10_MEAN_STD": "vision",
    "FASHION_MNIST_CLASSES": "vision",
    "MNIST_CLASSES": "vision",
    "MNIST_MEAN_STD": "vision",
    "ImageSet": "vision",
    "fashion_mnist_loaders": "vision",
    "image_loaders": "vision",
    "read_cifar10": "vision",
    "read_cifar10_archive": "vision",
    "read_cifar10_kaggle": "vision",
    "read_fashion_mnist": "vision",
    "read_kaggle_cifar10_folder": "vision",
    "read_mnist": "vision",
}

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_MEAN_STD",
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "MNIST_MEAN_STD",
    "NMT_RESERVED",
    "VOC_CLASSES",
    "VOC_COLORMAP",
    "Compose",
    "DataFile",
    "Dataset",
    "DetectionSet",
    "HouseData",
    "ImageBatch",
    "ImageSet",
    "Normalize",
    "PTBLoader",
    "PolynomialData",
    "Ragged",
    "RandomCrop",
    "RandomGenerator",
    "RandomHorizontalFlip",
    "Resize",
    "SegmentationSet",
    "SeqDataLoader",
    "TensorLoader",
    "TokenEmbedding",
    "VOCSegDataset",
    "Vocab",
    "bananas_loaders",
    "batchify",
    "build_array_nmt",
    "clean_stale",
    "copyfile",
    "count_corpus",
    "data_dir",
    "decode_text",
    "extract_archive",
    "fashion_mnist_loaders",
    "fetch",
    "fetch_all",
    "file_status",
    "fill_na_with_mean",
    "frame_to_tensor",
    "get_centers_and_contexts",
    "get_data_ch11",
    "get_dataset",
    "get_negatives",
    "get_tokens_and_segments",
    "high_dim_linear_data",
    "image_loaders",
    "load_corpus_jay_lyrics",
    "load_corpus_time_machine",
    "load_data_imdb",
    "load_data_jay_lyrics",
    "load_data_nmt",
    "load_data_ptb",
    "load_data_snli",
    "load_data_time_machine",
    "load_data_wiki",
    "load_kaggle_house",
    "load_token_embedding",
    "one_hot",
    "polynomial_data",
    "preprocess_kaggle_house",
    "preprocess_nmt",
    "read_airfoil",
    "read_bananas",
    "read_cifar10",
    "read_cifar10_archive",
    "read_cifar10_kaggle",
    "read_csv",
    "read_csv_labels",
    "read_data_nmt",
    "read_diabetes",
    "read_fashion_mnist",
    "read_hotdog",
    "read_image_folder",
    "read_imdb",
    "read_jay_lyrics",
    "read_kaggle_cifar10_folder",
    "read_kaggle_house",
    "read_mnist",
    "read_numeric_table",
    "read_pretrained_bert",
    "read_ptb",
    "read_snli",
    "read_text",
    "read_time_machine",
    "read_voc",
    "read_wiki",
    "read_zip_member",
    "reorg_test",
    "reorg_train_valid",
    "require",
    "require_columns",
    "require_unpacked",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "subsample",
    "synthetic_data",
    "tokenize",
    "tokenize_nmt",
    "tree_digest",
    "truncate_pad",
    "verify",
    "voc_loaders",
    "write_submission",
    "zip_members",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first use, then keep the name here."""
    module = _SOURCES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    # ``d2lkit.data.vision`` without importing it first worked when this file imported every
    # reader; keep that working.
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
