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
