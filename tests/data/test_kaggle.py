"""Kaggle layouts reorganised into class folders: the tiny CIFAR-10 read in place, copies in tmp."""

from __future__ import annotations

import collections
import math

import pytest

from d2lkit.data import kaggle
from d2lkit.errors import DataError


@pytest.fixture(scope="module")
def tiny(data_root):
    return data_root / "cifar10-tiny"


def test_read_csv_labels_maps_every_id_to_its_label(tiny):
    labels = kaggle.read_csv_labels(tiny / "trainLabels.csv")
    assert len(labels) == 50000 and len(set(labels.values())) == 10  # all of Kaggle's labels
    assert labels["1"] == "frog" and labels["2"] == "truck"  # the file's first rows


def test_reorganised_split_has_the_books_shape_and_counts(tiny, tmp_path):
    labels = kaggle.read_csv_labels(tiny / "trainLabels.csv")
    n_valid = kaggle.reorg_train_valid(tiny, labels, 0.1, tmp_path)
    kaggle.reorg_test(tiny, tmp_path)
    ids = [int(p.stem) for p in (tiny / "train").iterdir()]  # 1,000 ids from 1 to 1663
    present = collections.Counter(labels[str(i)] for i in ids)
    assert n_valid == max(1, math.floor(min(present.values()) * 0.1))
    for label, count in present.items():
        assert len(list((tmp_path / "train_valid" / label).iterdir())) == count
        assert len(list((tmp_path / "valid" / label).iterdir())) == n_valid
        assert len(list((tmp_path / "train" / label).iterdir())) == count - n_valid
    assert len(list((tmp_path / "test" / "unknown").iterdir())) == 100
    # the lowest ids of each class go to valid: the same split on every machine
    first_frog = min(i for i in ids if labels[str(i)] == "frog")
    assert (tmp_path / "valid" / "frog" / f"{first_frog}.png").is_file()
    assert (tmp_path / "train_valid" / "frog" / f"{first_frog}.png").read_bytes() == (
        tiny / "train" / f"{first_frog}.png"
    ).read_bytes()


def test_an_image_without_a_label_is_named(tmp_path):
    (tmp_path / "train").mkdir()
    for name in ("1.png", "2.png", "3.png"):
        (tmp_path / "train" / name).write_bytes(b"x")
    with pytest.raises(DataError, match=r"2\.png has no label.*nor have 1 more"):
        kaggle.reorg_train_valid(tmp_path, {"1": "cat"}, 0.1, tmp_path / "out")


def test_a_label_row_without_two_fields_is_named_by_line(tmp_path):
    (tmp_path / "labels.csv").write_text("id,breed\nabc,boxer\nbad row here\n")
    with pytest.raises(DataError, match="line 3 has 1 fields"):
        kaggle.read_csv_labels(tmp_path / "labels.csv")


def test_copyfile_creates_the_target_folder(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    kaggle.copyfile(tmp_path / "a.txt", tmp_path / "x" / "y")
    assert (tmp_path / "x" / "y" / "a.txt").read_text() == "hello"


def test_the_split_in_memory_is_the_reorganised_folders_split(tiny, tmp_path):
    labels = kaggle.read_csv_labels(tiny / "trainLabels.csv")
    kaggle.reorg_train_valid(tiny, labels, 0.1, tmp_path)
    labelled = kaggle.labelled_files(tiny / "train", labels)
    is_valid, n_valid = kaggle.split_train_valid(labelled, 0.1)
    in_valid = {p.name for (p, _), v in zip(labelled, is_valid, strict=True) if v}
    copied = {p.name for p in (tmp_path / "valid").rglob("*.png")}
    assert in_valid == copied and len(copied) == 10 * n_valid


def test_kaggle_images_are_read_once_split_as_the_folders_and_numbered_as_imagefolder(
    tiny, tmp_path
):
    import torchvision

    data = kaggle.read_kaggle_images(tiny, "trainLabels.csv", 0.1)
    labels = kaggle.read_csv_labels(tiny / "trainLabels.csv")
    kaggle.reorg_train_valid(tiny, labels, 0.1, tmp_path)
    folders = torchvision.datasets.ImageFolder(str(tmp_path / "valid"))
    valid = data.split(valid=True)
    assert data.train.classes == tuple(folders.classes)  # the same class numbers
    assert len(valid) == len(folders) and len(data.split(valid=False)) == 1000 - len(folders)
    assert sorted(valid.labels.tolist()) == sorted(folders.targets)
    assert data.train.images.shape == (1000, 3, 32, 32)
    assert data.test_ids == [str(i) for i in range(1, 101)] and (data.test.labels == -1).all()


def test_photos_of_different_sizes_are_brought_to_one(tmp_path):
    import numpy as np
    from PIL import Image

    for split, names in (("train", ["a", "b"]), ("test", ["c"])):
        (tmp_path / split).mkdir()
        for i, name in enumerate(names):
            pixels = np.full((20 + 10 * i, 30, 3), 100, dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / split / f"{name}.png")
    (tmp_path / "labels.csv").write_text("id,breed\na,pug\nb,boxer\n")
    data = kaggle.read_kaggle_images(tmp_path, "labels.csv", 0.5, resize=16)
    assert data.train.images.shape == (2, 3, 16, 16) and data.test.images.shape == (1, 3, 16, 16)
    assert data.train.classes == ("boxer", "pug") and data.train.labels.tolist() == [1, 0]
    assert bool((data.train.images == 100).all())  # a flat image stays flat when resized
