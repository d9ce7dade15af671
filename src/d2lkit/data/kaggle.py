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
from pathlib import Path

from d2lkit.data.files import read_text
from d2lkit.errors import DataError

__all__ = ["copyfile", "read_csv_labels", "reorg_test", "reorg_train_valid"]


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
    files = _by_id(source / "train")
    missing = [p for p in files if p.stem not in labels]
    if missing:
        raise DataError(
            f"{missing[0]} has no label (no row {missing[0].stem!r} in the labels)"
            + (f", nor have {len(missing) - 1} more images" if len(missing) > 1 else ""),
            fix="use the label file that came with these images",
        )
    if not files:
        raise DataError(f"{source / 'train'} holds no images", fix="fetch the data set again")
    # the rarest label among the images present: a label file that covers more images
    # (the full competition's) gives the same split as one that covers exactly these
    rarest = collections.Counter(labels[p.stem] for p in files).most_common()[-1][1]
    n_valid_per_label = max(1, math.floor(rarest * valid_ratio))
    taken: collections.Counter[str] = collections.Counter()
    for path in files:
        label = labels[path.stem]
        copyfile(path, out / "train_valid" / label)
        if taken[label] < n_valid_per_label:
            copyfile(path, out / "valid" / label)
            taken[label] += 1
        else:
            copyfile(path, out / "train" / label)
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
