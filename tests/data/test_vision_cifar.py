"""CIFAR-10 in both layouts, and MNIST through the IDX reader, on real and crafted files."""

from __future__ import annotations

import io
import os
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from d2lkit.data import vision
from d2lkit.data.transforms import ImageBatch
from d2lkit.errors import DataError


@pytest.fixture(scope="module")
def kaggle_train(data_root):
    return vision.read_cifar10_kaggle("train", data_root)


def test_kaggle_layout_train_images_labels_and_ids(kaggle_train):
    s = kaggle_train
    assert s.images.shape == (1000, 3, 32, 32) and s.images.dtype == torch.uint8
    assert s.labels.dtype == torch.int64 and s.classes == vision.CIFAR10_CLASSES
    assert s.ids[:6].tolist() == [1, 2, 3, 4, 5, 10] and s.ids[-1] == 1663
    assert s.text_labels(s.labels[:5]) == ["frog", "truck", "truck", "deer", "automobile"]
    assert s.images[0, :, 0, 0].tolist() == [59, 62, 63]  # top-left pixel of train/1.png
    assert torch.bincount(s.labels, minlength=10).min() > 70


def test_kaggle_layout_test_split_is_unlabelled_with_ids(data_root):
    s = vision.read_cifar10_kaggle("test", data_root)
    assert s.images.shape == (100, 3, 32, 32) and (s.labels == -1).all()
    assert s.ids.tolist() == list(range(1, 101))


def _kaggle_folder(root: Path, labels: str, png: bytes | None = None) -> Path:
    (root / "train").mkdir(parents=True)
    if png is None:
        image = (np.arange(3 * 32 * 32) % 256).astype(np.uint8).reshape(3, 32, 32)
        buffer = io.BytesIO()
        Image.fromarray(image.transpose(1, 2, 0)).save(buffer, "PNG")
        png = buffer.getvalue()
    (root / "train" / "7.png").write_bytes(png)
    (root / "trainLabels.csv").write_text(labels)
    return root


def test_kaggle_folder_reads_a_crafted_png_exactly(tmp_path):
    folder = _kaggle_folder(tmp_path, "id,label\n7,ship\n")
    s = vision.read_kaggle_cifar10_folder(folder, "train")
    assert s.labels.tolist() == [8] and s.ids.tolist() == [7]
    assert torch.equal(s.images[0].long(), torch.arange(3072).reshape(3, 32, 32) % 256)


def test_kaggle_folder_errors_name_file_problem_and_fix(tmp_path):
    with pytest.raises(DataError, match="has no label for image"):
        vision.read_kaggle_cifar10_folder(_kaggle_folder(tmp_path / "a", "id,label\n8,ship\n"))
    with pytest.raises(DataError, match="not CIFAR-10 classes: \\['boat'\\]"):
        vision.read_kaggle_cifar10_folder(_kaggle_folder(tmp_path / "b", "id,label\n7,boat\n"))
    with pytest.raises(DataError, match="lacks the column\\(s\\) label"):
        vision.read_kaggle_cifar10_folder(_kaggle_folder(tmp_path / "c", "id,class\n7,ship\n"))
    whole = (
        _kaggle_folder(tmp_path / "png", "id,label\n7,ship\n") / "train" / "7.png"
    ).read_bytes()
    with pytest.raises(DataError, match=r"7\.png is truncated"):
        vision.read_kaggle_cifar10_folder(
            _kaggle_folder(tmp_path / "d", "id,label\n7,ship\n", png=whole[: len(whole) // 2])
        )
    with pytest.raises(DataError, match=r"7\.png is not a readable PNG"):
        vision.read_kaggle_cifar10_folder(
            _kaggle_folder(tmp_path / "e", "id,label\n7,ship\n", png=b"\x89PNG\r\n\x1a\n cut")
        )
    with pytest.raises(DataError, match="is missing: not the Kaggle CIFAR-10 layout"):
        vision.read_kaggle_cifar10_folder(tmp_path / "d", "test")


# --- the python pickle batches ----------------------------------------------------


def _batch(n: int, first_label: int) -> dict[str, object]:
    data = (np.arange(n * 3072) % 251).astype(np.uint8).reshape(n, 3072)
    return {
        "batch_label": "crafted",
        "labels": [(first_label + i) % 10 for i in range(n)],
        "data": data,
        "filenames": [f"{i}.png" for i in range(n)],
    }


def _cifar_archive(path: Path, members: dict[str, object], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for name, obj in members.items():
            raw = obj if isinstance(obj, bytes) else pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def _official_like(path: Path) -> Path:
    members: dict[str, object] = {
        "batches.meta": {"label_names": list(vision.CIFAR10_CLASSES), "num_cases_per_batch": 2}
    }
    for i in range(1, 6):
        members[f"data_batch_{i}"] = _batch(2, i)
    members["test_batch"] = _batch(3, 0)
    return _cifar_archive(path, members)


def test_pickle_batches_give_uint8_images_labels_and_class_names(tmp_path):
    archive = _official_like(tmp_path / "cifar-10-python.tar.gz")
    train = vision.read_cifar10_archive(archive, "train")
    assert train.images.shape == (10, 3, 32, 32) and train.images.dtype == torch.uint8
    assert train.labels.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert train.classes == vision.CIFAR10_CLASSES
    expected = torch.from_numpy((np.arange(2 * 3072) % 251).astype(np.uint8)).reshape(2, 3, 32, 32)
    assert torch.equal(train.images[:2], expected)  # rows are R, G, B planes of 32x32
    test = vision.read_cifar10_archive(archive, "test")
    assert test.images.shape == (3, 3, 32, 32) and test.labels.tolist() == [0, 1, 2]


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    members = {"batches.meta": {"label_names": ["a"]}, "test_batch": pickle.dumps(Evil())}
    archive = _cifar_archive(tmp_path / "evil.tar.gz", members)
    with pytest.raises(DataError, match=r"refusing to load (posix|os)\.system"):
        vision.read_cifar10_archive(archive, "test")


def test_missing_batches_and_truncated_archives_are_explained(tmp_path):
    archive = _cifar_archive(tmp_path / "part.tar.gz", {"batches.meta": {"label_names": []}})
    with pytest.raises(DataError, match="lacks cifar-10-batches-py/test_batch"):
        vision.read_cifar10_archive(archive, "test")
    whole = _official_like(tmp_path / "whole.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="truncated or damaged") as err:
        vision.read_cifar10_archive(tmp_path / "cut.tar.gz", "train")
    assert "cut.tar.gz" in err.value.message and "fetch" in err.value.fix


def test_cifar10_from_the_store_is_verified_by_its_md5_first(tmp_path):
    (tmp_path / "cifar-10").mkdir()
    _official_like(tmp_path / "cifar-10" / "cifar-10-python.tar.gz")
    with pytest.raises(DataError) as err:
        vision.read_cifar10("train", tmp_path)
    assert "c58f30108f718f92721af3b95e74349a" in err.value.message  # a crafted file is refused


# --- MNIST through the IDX reader ----------------------------------------------------


def _idx(path: Path, array: np.ndarray) -> None:
    magic = 0x0800 | array.ndim
    path.write_bytes(struct.pack(f">i{array.ndim}i", magic, *array.shape) + array.tobytes())


def test_mnist_reads_crafted_idx_files_and_normalises_as_the_course(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    images = (np.arange(3 * 28 * 28) % 256).astype(np.uint8).reshape(3, 28, 28)
    _idx(folder / "t10k-images-idx3-ubyte", images)  # unpacked copies: structure is checked
    _idx(folder / "t10k-labels-idx1-ubyte", np.array([7, 2, 1], dtype=np.uint8))
    s = vision.read_mnist("test", tmp_path)
    assert s.images.shape == (3, 1, 28, 28) and s.labels.tolist() == [7, 2, 1]
    assert s.text_labels() == ["7", "2", "1"]
    assert torch.equal(s.images[:, 0], torch.from_numpy(images))
    mean, std = vision.MNIST_MEAN_STD
    x = ImageBatch(mean=mean, std=std)(s.images)
    torch.testing.assert_close(x[0, 0, 0, 1], torch.tensor((1 / 255 - 0.1307) / 0.3081))


def test_mnist_with_mismatched_header_is_refused_with_a_message(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    _idx(folder / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28), dtype=np.uint8))
    raw = struct.pack(">ii", 2049, 5) + bytes([1, 2, 3])  # says 5 labels, holds 3
    (folder / "t10k-labels-idx1-ubyte").write_bytes(raw)
    with pytest.raises(DataError, match="truncated or padded"):
        vision.read_mnist("test", tmp_path)


# --- labels are checked when read: a value out of range is named with its place ------------


def test_mnist_labels_out_of_range_are_caught_when_read(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    _idx(folder / "t10k-images-idx3-ubyte", np.zeros((4, 28, 28), dtype=np.uint8))
    labels = folder / "t10k-labels-idx1-ubyte"
    _idx(labels, np.array([7, 12, 1, 255], dtype=np.uint8))  # passes the structure check
    with pytest.raises(DataError) as err:
        vision.read_mnist("test", tmp_path)
    message = err.value.message
    assert str(labels) in message
    assert "label 12 at position 1" in message and "2 of its 4 labels" in message
    assert "0 to 9" in message
    assert "`d2lkit data fetch mnist`" in err.value.fix


def test_cifar_labels_out_of_range_are_named_with_their_batch_and_position(tmp_path):
    members: dict[str, object] = {"batches.meta": {"label_names": list(vision.CIFAR10_CLASSES)}}
    batch = _batch(3, 0)
    batch["labels"] = [4, -1, 10]
    members["test_batch"] = batch
    archive = _cifar_archive(tmp_path / "c.tar.gz", members)
    with pytest.raises(DataError) as err:
        vision.read_cifar10_archive(archive, "test")
    assert f"{archive}:cifar-10-batches-py/test_batch" in err.value.message
    assert "label -1 at position 1" in err.value.message and "0 to 9" in err.value.message
    assert "`d2lkit data fetch cifar-10`" in err.value.fix


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("labels", ["cat", "dog", "cat"], "labels are not whole numbers"),
        ("labels", [1.5, 2.0, 3.0], "labels are not whole numbers"),
        ("labels", 7, "labels are not a list"),
        ("data", np.zeros((3, 3071), np.uint8), "3 x 3071 values, not N x 3072"),
        ("data", "pixels", "data are not an array of pixels"),
    ],
    ids=["str-labels", "float-labels", "int-labels", "short-rows", "str-data"],
)
def test_cifar_batches_with_the_wrong_types_are_explained_not_a_traceback(
    tmp_path, field, value, said
):
    members: dict[str, object] = {"batches.meta": {"label_names": list(vision.CIFAR10_CLASSES)}}
    batch = _batch(3, 0)
    batch[field] = value
    members["test_batch"] = batch
    archive = _cifar_archive(tmp_path / "c.tar.gz", members)
    with pytest.raises(DataError) as err:
        vision.read_cifar10_archive(archive, "test")
    assert said in err.value.message and "test_batch" in err.value.message


def test_cifar_class_names_that_are_not_ten_strings_are_explained(tmp_path):
    members: dict[str, object] = {"batches.meta": {"label_names": 5}, "test_batch": _batch(3, 0)}
    archive = _cifar_archive(tmp_path / "c.tar.gz", members)
    with pytest.raises(DataError, match="label_names"):
        vision.read_cifar10_archive(archive, "test")
