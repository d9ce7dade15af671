"""Image classification data sets as uint8 tensors, and loaders over them.

(Fashion-)MNIST come from IDX files; CIFAR-10 from the official python pickle
batches (read straight out of the verified tar.gz, through an unpickler that
only builds numpy arrays) or from Kaggle's PNG layout (train/<id>.png,
test/<id>.png, trainLabels.csv).
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from d2lkit.data.access import require, require_unpacked
from d2lkit.data.files import read_bytes, read_csv
from d2lkit.data.idx import parse_idx
from d2lkit.data.labels import check_label_range, labels_from
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.transforms import ImageBatch
from d2lkit.errors import DataError

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_MEAN_STD",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "MNIST_MEAN_STD",
    "ImageSet",
    "ImageView",
    "fashion_mnist_loaders",
    "image_loaders",
    "read_cifar10",
    "read_cifar10_archive",
    "read_cifar10_kaggle",
    "read_fashion_mnist",
    "read_kaggle_cifar10_folder",
    "read_mnist",
]

FASHION_MNIST_CLASSES = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
MNIST_CLASSES = tuple(str(digit) for digit in range(10))
MNIST_MEAN_STD = ((0.1307,), (0.3081,))  # the course notes' normalisation
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR10_MEAN_STD = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))  # the book's (14.13)


@dataclass(frozen=True)
class ImageSet:
    """Images (N, C, H, W) uint8, labels (N,) int64 and the class names.

    ``ids`` (N,) int64 name the images where the files do (Kaggle's ids); an
    unlabelled split has labels -1.
    """

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    ids: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.labels.shape[0]

    def text_labels(self, labels: torch.Tensor | None = None) -> list[str]:
        """Class names for ``labels`` (default: all of this set's labels)."""
        labels = self.labels if labels is None else labels
        return [self.classes[int(i)] for i in labels]


class ImageView:
    """An :class:`ImageSet` indexed one example at a time, as torchvision data sets are.

    ``view[i]`` is ``(image, label)``: the image after ``transform`` (e.g.
    :class:`~d2lkit.data.transforms.ImageBatch`: float in [0, 1], resized), the
    label an ``int``. For looking at examples; loaders serve whole batches.
    """

    def __init__(self, images: ImageSet, transform: Any = None) -> None:
        self.images = images
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range for {len(self)} images")
        i = i % len(self)
        image = self.images.images[i : i + 1]
        if self.transform is not None:
            image = self.transform(image)
        return image[0], int(self.images.labels[i])

    def __repr__(self) -> str:
        return f"ImageView({len(self)} images, transform={self.transform!r})"


_SPLIT_PREFIX = {"train": "train", "test": "t10k"}


def _read_idx_split(
    dataset: str,
    split: str,
    classes: tuple[str, ...],
    root: str | os.PathLike[str] | None,
    download: bool = True,
) -> ImageSet:
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    prefix = _SPLIT_PREFIX[split]
    image_path = require(dataset, f"{prefix}-images-idx3-ubyte.gz", root, download=download)
    label_path = require(dataset, f"{prefix}-labels-idx1-ubyte.gz", root, download=download)
    images = parse_idx(read_bytes(image_path), str(image_path))
    labels = parse_idx(read_bytes(label_path), str(label_path))
    fix = f"delete both and run `d2lkit data fetch {dataset}`"
    if images.dim() != 3 or labels.dim() != 1:
        raise DataError(
            f"{image_path} holds an array of shape {tuple(images.shape)} (expected images, "
            f"N x H x W) and {label_path} one of shape {tuple(labels.shape)} (expected N labels)",
            fix=fix,
        )
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{image_path} has {images.shape[0]} images but {label_path} has "
            f"{labels.shape[0]} labels: the two files are not of the same split or version",
            fix=fix,
        )
    labels = check_label_range(labels.long(), len(classes), str(label_path), fix=fix)
    return ImageSet(images.unsqueeze(1), labels, classes)


def read_fashion_mnist(
    split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> ImageSet:
    """Fashion-MNIST's train (60,000) or test (10,000) split, verified before use.

    Missing files are downloaded into ``root`` (default ``$D2LKIT_DATA``) on
    first use; ``download=False`` (or ``$D2LKIT_OFFLINE=1``) says where to put
    them instead.
    """
    return _read_idx_split("fashion-mnist", split, FASHION_MNIST_CLASSES, root, download=download)


def read_mnist(
    split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> ImageSet:
    """MNIST's train (60,000) or test (10,000) split, through the same IDX reader.

    ``download`` as in :func:`read_fashion_mnist`.
    """
    return _read_idx_split("mnist", split, MNIST_CLASSES, root, download=download)


# --- CIFAR-10: the python pickle batches --------------------------------------


class _ArrayUnpickler(pickle.Unpickler):
    """Builds dicts, lists, strings and numpy arrays only: a pickle cannot run code here."""

    _ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"),
            ("numpy.core.numeric", "_frombuffer"),
            ("numpy._core.numeric", "_frombuffer"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if module.startswith("numpy.core") and hasattr(np, "_core"):
            module = "numpy._core" + module[len("numpy.core") :]  # numpy 2 renamed it
        return super().find_class(module, name)


_CIFAR_FIX = "delete the archive and fetch it again (`d2lkit data fetch cifar-10`)"
_CIFAR_PIXELS = 3 * 32 * 32  # values per image: R, G, B planes of 32 x 32


def _unpickle(data: bytes, name: str) -> dict[str, Any]:
    try:
        batch = _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
    ) as exc:
        raise DataError(f"{name} is not a CIFAR-10 batch ({exc})", fix=_CIFAR_FIX) from None
    if not isinstance(batch, dict):
        raise DataError(
            f"{name} is not a CIFAR-10 batch (a {type(batch).__name__}, not a dict)",
            fix=_CIFAR_FIX,
        )
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}


def _field(batch: dict[str, Any], key: str, name: str) -> Any:
    if key not in batch:
        raise DataError(
            f"{name} has no {key!r} entry (it has {sorted(map(str, batch))})", fix=_CIFAR_FIX
        )
    return batch[key]


def _class_names(meta: dict[str, Any], name: str) -> tuple[str, ...]:
    names = _field(meta, "label_names", name)
    if not isinstance(names, list | tuple) or not names:
        raise DataError(
            f"{name}: its label_names are a {type(names).__name__}, expected a list of class names",
            fix=_CIFAR_FIX,
        )
    return tuple(n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names)


def _pixels(batch: dict[str, Any], name: str) -> torch.Tensor:
    """A batch's ``data``: N rows of 3 x 32 x 32 uint8 values, as (N, 3, 32, 32)."""
    data = _field(batch, "data", name)
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.integer):
        raise DataError(
            f"{name}: its data are not an array of pixels (a {type(data).__name__})",
            fix=_CIFAR_FIX,
        )
    if data.ndim != 2 or data.shape[1] != _CIFAR_PIXELS:
        shape = " x ".join(map(str, data.shape))
        raise DataError(
            f"{name}: its data hold {shape} values, not N x {_CIFAR_PIXELS} (one row of "
            "3 x 32 x 32 pixels per image)",
            fix=_CIFAR_FIX,
        )
    pixels = data.astype(np.uint8, copy=False)
    return torch.from_numpy(pixels.reshape(-1, 3, 32, 32).copy())


_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_SPLITS = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}


def _read_tar_members(path: Path, wanted: set[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isfile() and member.name in wanted:
                    handle = archive.extractfile(member)
                    assert handle is not None  # a regular file always has content
                    found[member.name] = handle.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(
            f"archive {path} is truncated or damaged ({exc})",
            fix="delete it and fetch it again (`d2lkit data fetch cifar-10`)",
        ) from None
    missing = sorted(wanted - set(found))
    if missing:
        raise DataError(
            f"archive {path} lacks {', '.join(missing)}",
            fix="this is not CIFAR-10's python archive: delete it and fetch it again "
            "(`d2lkit data fetch cifar-10`)",
        )
    return found


def read_cifar10_archive(path: Path, split: str = "train") -> ImageSet:
    """A split of ``cifar-10-python.tar.gz`` (or its .tar): (N, 3, 32, 32) uint8 and labels."""
    if split not in _CIFAR_SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = [f"{_CIFAR_DIR}/{b}" for b in (*_CIFAR_SPLITS[split], "batches.meta")]
    raw = _read_tar_members(Path(path), set(names))
    meta = _unpickle(raw[names[-1]], f"{path}:{names[-1]}")
    classes = _class_names(meta, f"{path}:{names[-1]}")
    images, labels = [], []
    for name in names[:-1]:
        where = f"{path}:{name}"
        batch = _unpickle(raw[name], where)
        images.append(_pixels(batch, where))
        found = labels_from(_field(batch, "labels", where), where, fix=_CIFAR_FIX)
        labels.append(check_label_range(found, len(classes), where, fix=_CIFAR_FIX))
        if images[-1].shape[0] != labels[-1].shape[0]:
            raise DataError(
                f"{where} has {images[-1].shape[0]} images but {labels[-1].shape[0]} labels",
                fix=_CIFAR_FIX,
            )
    return ImageSet(torch.cat(images), torch.cat(labels), classes)


def read_cifar10(
    split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> ImageSet:
    """CIFAR-10's train (50,000) or test (10,000) split from the verified official archive.

    ``download`` as in :func:`read_fashion_mnist`.
    """
    path = require("cifar-10", "cifar-10-python.tar.gz", root, download=download)
    return read_cifar10_archive(path, split)


# --- CIFAR-10: Kaggle's PNG layout ---------------------------------------------


def _png_ids(folder: Path) -> list[int]:
    if not folder.is_dir():
        raise DataError(
            f"{folder} is missing: not the Kaggle CIFAR-10 layout",
            fix="expected <folder>/train/<id>.png, <folder>/test/<id>.png and "
            "<folder>/trainLabels.csv; fetch the data set again",
        )
    names = [p.stem for p in folder.iterdir() if p.suffix == ".png"]
    bad = [n for n in names if not n.isdigit()]
    if bad:
        raise DataError(
            f"{folder} holds PNG files not named <id>.png: {', '.join(bad[:5])}",
            fix="remove them; Kaggle's layout names each image by its number",
        )
    return sorted(int(n) for n in names)


def _kaggle_labels(folder: Path, ids: list[int], classes: tuple[str, ...]) -> torch.Tensor:
    path = folder / "trainLabels.csv"
    table = read_csv(path, ("id", "label"), dtype={"label": str})
    by_id = dict(zip(table["id"].tolist(), table["label"].tolist(), strict=True))
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DataError(
            f"{path} has no label for image(s) {missing[:5]} of {folder / 'train'}",
            fix="use the trainLabels.csv that came with the images",
        )
    index = {name: i for i, name in enumerate(classes)}
    unknown = sorted({by_id[i] for i in ids} - set(index))
    if unknown:
        raise DataError(
            f"{path} has labels that are not CIFAR-10 classes: {unknown[:5]}",
            fix=f"labels must be one of {', '.join(classes)}",
        )
    return torch.tensor([index[by_id[i]] for i in ids], dtype=torch.int64)


def _read_pngs(paths: list[Path]) -> torch.Tensor:
    """Decode same-sized PNGs into one uint8 (N, 3, H, W) tensor (Pillow; grey/palette -> RGB)."""
    from PIL import Image, UnidentifiedImageError

    images = []
    for path in paths:
        try:
            with Image.open(path) as image:
                images.append(np.asarray(image.convert("RGB")))
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            truncated = "truncated" in str(exc)
            problem = "is truncated" if truncated else f"is not a readable PNG ({exc})"
            raise DataError(
                f"{path} {problem}", fix="the file is damaged: fetch the data set again"
            ) from None
    sizes = {a.shape for a in images}
    if len(sizes) > 1:
        raise DataError(
            f"{paths[0].parent} holds images of different sizes: {sorted(sizes)[:3]}",
            fix="every image of a data set must have the same size",
        )
    stacked = np.stack(images) if images else np.zeros((0, 32, 32, 3), np.uint8)
    return torch.from_numpy(stacked).permute(0, 3, 1, 2).contiguous()  # (N, 3, H, W)


def read_kaggle_cifar10_folder(folder: Path, split: str = "train") -> ImageSet:
    """Kaggle's CIFAR-10 layout: PNGs by id (ascending), labels from trainLabels.csv.

    The test split is unlabelled: its labels are -1 and ``ids`` name the rows
    of a submission.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = Path(folder)
    ids = _png_ids(folder / split)
    paths = [folder / split / f"{i}.png" for i in ids]
    images = _read_pngs(paths)
    labels = (
        _kaggle_labels(folder, ids, CIFAR10_CLASSES)
        if split == "train"
        else torch.full((len(ids),), -1, dtype=torch.int64)
    )
    return ImageSet(images, labels, CIFAR10_CLASSES, ids=torch.tensor(ids, dtype=torch.int64))


def read_cifar10_kaggle(
    split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> ImageSet:
    """The Kaggle-layout CIFAR-10 sample (book 14.13), verified (and extracted) before use.

    ``download`` as in :func:`read_fashion_mnist`.
    """
    folder = require_unpacked("cifar10-tiny", "kaggle_cifar10_tiny.zip", root, download=download)
    return read_kaggle_cifar10_folder(folder, split)


def image_loaders(
    train: ImageSet,
    test: ImageSet,
    batch_size: int,
    *,
    transform: ImageBatch | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    eval_batch_size: int | None = None,
) -> tuple[TensorLoader, TensorLoader]:
    """A shuffled train loader and an ordered test loader over two image sets.

    The test loader may use larger batches (``eval_batch_size``): evaluation
    does not depend on the batch size, only its speed does.
    """
    transform = transform or ImageBatch()
    train_loader = TensorLoader(
        train.images,
        train.labels,
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        transform=transform,
        device=device,
    )
    test_loader = TensorLoader(
        test.images,
        test.labels,
        batch_size=eval_batch_size or batch_size,
        transform=transform,
        device=device,
    )
    return train_loader, test_loader


def fashion_mnist_loaders(
    batch_size: int,
    resize: int | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    eval_batch_size: int | None = None,
    download: bool = True,
) -> tuple[TensorLoader, TensorLoader]:
    """The book's ``load_data_fashion_mnist``: (train, test) loaders of float images.

    Like torchvision's ``download=True``, missing files are downloaded into
    ``root`` (default ``$D2LKIT_DATA``) on first use; with ``download=False``
    (or ``$D2LKIT_OFFLINE=1``) a missing file is an error that names every
    missing file, its URL and the folder to put it in.
    """
    return image_loaders(
        read_fashion_mnist("train", root, download=download),
        read_fashion_mnist("test", root, download=download),
        batch_size,
        transform=ImageBatch(resize=resize),
        device=device,
        seed=seed,
        eval_batch_size=eval_batch_size,
    )
