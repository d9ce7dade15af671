"""Data: a verified store of files, readers that return tensors, fast loaders."""

from d2lkit.data.catalog import DATASETS, DataFile, Dataset, get_dataset
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.store import data_dir, fetch, require, verify
from d2lkit.data.transforms import ImageBatch
from d2lkit.data.vision import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    ImageSet,
    fashion_mnist_loaders,
    image_loaders,
    read_fashion_mnist,
    read_mnist,
)

__all__ = [
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "DataFile",
    "Dataset",
    "ImageBatch",
    "ImageSet",
    "TensorLoader",
    "data_dir",
    "fashion_mnist_loaders",
    "fetch",
    "get_dataset",
    "image_loaders",
    "read_fashion_mnist",
    "read_mnist",
    "require",
    "verify",
]
