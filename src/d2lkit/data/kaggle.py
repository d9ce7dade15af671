"""Kaggle's image-competition layouts (d2l 13.13-13.14) and reorganising them into class folders.

A competition ships ``train/<id>.<ext>``, ``test/<id>.<ext>`` and a CSV of
``id,label`` rows (``trainLabels.csv`` for CIFAR-10, ``labels.csv`` for the dog
breeds). The book copies the images into one folder per class:
``train_valid/<label>/`` (every training image), ``valid/<label>/`` (the first
``max(1, floor(n * valid_ratio))`` images of each label, ``n`` the count of the
rarest label), ``train/<label>/`` (the rest) and ``test/unknown/``. ``n``
counts the images present (the book counts the label file's rows, the same
number for its own archives, but not for a sample beside the competition's
full label file).

Unlike the book, the output folder is an argument (the data directory may be
read-only and is verified as it was downloaded), and files are taken in the
order of their ids, so the same split comes out on every machine.
"""

from __future__ import annotations

import collections
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from d2lkit.data.files import read_text
from d2lkit.data.images import read_image, stack_images
from d2lkit.data.transforms import Resize
from d2lkit.data.vision import ImageSet
from d2lkit.errors import DataError

__all__ = [
    "KaggleImages",
    "copyfile",
    "labelled_files",
    "read_csv_labels",
    "read_kaggle_images",
    "reorg_test",
    "reorg_train_valid",
    "split_train_valid",
]


def read_csv_labels(fname: str | os.PathLike[str]) -> dict[str, str]:
    """``id -> label`` from a CSV whose first line is a header and rows are ``id,label``."""
    lines = read_text(Path(fname)).splitlines()[1:]
    labels = {}
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        fields = line.rstrip().split(",")
        if len(fields) != 2:
            raise DataError(
                f"{fname} line {number} has {len(fields)} fields, expected 2 (id,label): "
                f"{line[:60]!r}",
                fix="use the competition's label file (a header, then id,label rows)",
            )
        labels[fields[0]] = fields[1]
    return labels


def copyfile(filename: str | os.PathLike[str], target_dir: str | os.PathLike[str]) -> None:
    """Copy a file into ``target_dir``, creating it if needed."""
    os.makedirs(target_dir, exist_ok=True)
    shutil.copy(filename, target_dir)


def _by_id(folder: Path) -> list[Path]:
    """The files of ``folder``, numeric ids in numeric order, then other names in text order."""
    if not folder.is_dir():
        raise DataError(f"{folder} is missing", fix="point at the competition's data folder")
    files = [p for p in folder.iterdir() if p.is_file()]
    numbered = sorted((p for p in files if p.stem.isdigit()), key=lambda p: int(p.stem))
    return numbered + sorted((p for p in files if not p.stem.isdigit()), key=lambda p: p.name)


def labelled_files(
    folder: str | os.PathLike[str], labels: dict[str, str]
) -> list[tuple[Path, str]]:
    """The files of ``folder`` (by id, see :func:`reorg_train_valid`) with their labels.

    A file without a label is an error naming it (and how many more).
    """
    folder = Path(folder)
    files = _by_id(folder)
    missing = [p for p in files if p.stem not in labels]
    if missing:
        raise DataError(
            f"{missing[0]} has no label (no row {missing[0].stem!r} in the labels)"
            + (f", nor have {len(missing) - 1} more images" if len(missing) > 1 else ""),
            fix="use the label file that came with these images",
        )
    if not files:
        raise DataError(f"{folder} holds no images", fix="fetch the data set again")
    return [(p, labels[p.stem]) for p in files]


def split_train_valid(
    labelled: list[tuple[Path, str]], valid_ratio: float
) -> tuple[list[bool], int]:
    """Which files go to the validation set (the first of each label), and how many per label.

    The book's rule: ``max(1, floor(n * valid_ratio))`` per label, ``n`` the count
    of the rarest label among the files given.
    """
    # the rarest label among the images present: a label file that covers more images
    # (the full competition's) gives the same split as one that covers exactly these
    rarest = collections.Counter(label for _, label in labelled).most_common()[-1][1]
    n_valid_per_label = max(1, math.floor(rarest * valid_ratio))
    taken: collections.Counter[str] = collections.Counter()
    is_valid = []
    for _, label in labelled:
        is_valid.append(taken[label] < n_valid_per_label)
        taken[label] += is_valid[-1]
    return is_valid, n_valid_per_label


def reorg_train_valid(
    data_dir: str | os.PathLike[str],
    labels: dict[str, str],
    valid_ratio: float,
    out_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Copy ``data_dir/train`` into class folders under ``out_dir``; return images per valid class.

    ``out_dir`` defaults to ``data_dir/train_valid_test`` (the book's place).
    """
    source = Path(data_dir)
    out = Path(out_dir) if out_dir is not None else source / "train_valid_test"
    labelled = labelled_files(source / "train", labels)
    is_valid, n_valid_per_label = split_train_valid(labelled, valid_ratio)
    for (path, label), valid in zip(labelled, is_valid, strict=True):
        copyfile(path, out / "train_valid" / label)
        copyfile(path, out / ("valid" if valid else "train") / label)
    return n_valid_per_label


def reorg_test(
    data_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None
) -> None:
    """Copy ``data_dir/test`` into ``out_dir/test/unknown``.

    ``out_dir`` defaults to ``data_dir/train_valid_test`` (the book's place).
    """
    source = Path(data_dir)
    out = Path(out_dir) if out_dir is not None else source / "train_valid_test"
    for path in _by_id(source / "test"):
        copyfile(path, out / "test" / "unknown")


# --- the same split in memory: no copies (the data directory may be read-only) -----------


@dataclass(frozen=True)
class KaggleImages:
    """A competition's images as tensors, split as :func:`reorg_train_valid` copies them.

    Attributes:
        train: every labelled image (the book's ``train_valid`` folder); classes
            are the labels in sorted order, as torchvision's ``ImageFolder`` numbers them.
        is_valid: ``(N,)`` bool, the images of the book's ``valid`` folder.
        test: the unlabelled images (labels -1), in id order.
        test_ids: their file names without extension, the rows of a submission.
    """

    train: ImageSet
    is_valid: torch.Tensor
    test: ImageSet
    test_ids: list[str]

    def split(self, valid: bool) -> ImageSet:
        """The book's ``valid`` (True) or ``train`` (False) folder as an image set."""
        keep = self.is_valid if valid else ~self.is_valid
        return ImageSet(self.train.images[keep], self.train.labels[keep], self.train.classes)


def _read(paths: list[Path], resize: int | None, where: str) -> torch.Tensor:
    images = [read_image(p) for p in paths]
    if resize is not None:
        size = Resize(resize)
        images = [size(img[None])[0] for img in images]
    return stack_images(images, where)


def read_kaggle_images(
    folder: str | os.PathLike[str],
    label_file: str,
    valid_ratio: float,
    resize: int | None = None,
) -> KaggleImages:
    """A competition folder (``train/``, ``test/``, ``label_file``) read and split in memory.

    ``resize`` brings every image to ``resize x resize`` (photos differ in size);
    without it they must share one size (CIFAR-10's 32 x 32).
    """
    folder = Path(folder)
    labelled = labelled_files(folder / "train", read_csv_labels(folder / label_file))
    is_valid, _ = split_train_valid(labelled, valid_ratio)
    classes = tuple(sorted({label for _, label in labelled}))
    index = {name: i for i, name in enumerate(classes)}
    train = ImageSet(
        _read([p for p, _ in labelled], resize, str(folder / "train")),
        torch.tensor([index[label] for _, label in labelled], dtype=torch.int64),
        classes,
    )
    tests = _by_id(folder / "test")
    test = ImageSet(
        _read(tests, resize, str(folder / "test")),
        torch.full((len(tests),), -1, dtype=torch.int64),
        classes,
    )
    return KaggleImages(
        train, torch.tensor(is_valid, dtype=torch.bool), test, [p.stem for p in tests]
    )
