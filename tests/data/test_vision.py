"""Fashion-MNIST as tensors, on the real files; per-batch transforms."""

from __future__ import annotations

import hashlib

import pytest
import torch

from d2lkit.data import FASHION_MNIST_CLASSES, ImageBatch, fashion_mnist_loaders


def test_fashion_mnist_train_and_test_shapes_and_dtypes(fashion_mnist):
    train, test = fashion_mnist
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10000, 1, 28, 28) and test.images.dtype == torch.uint8
    assert train.labels.shape == (60000,) and train.labels.dtype == torch.int64
    assert test.labels.shape == (10000,) and test.labels.dtype == torch.int64


def test_fashion_mnist_labels_are_balanced_and_in_the_original_order(fashion_mnist):
    train, test = fashion_mnist
    assert torch.bincount(train.labels).tolist() == [6000] * 10
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    assert train.labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert test.labels[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert train.text_labels(train.labels[:3]) == ["ankle boot", "t-shirt", "t-shirt"]


def test_fashion_mnist_pixels_hash_to_the_published_idx_content(fashion_mnist):
    train, _ = fashion_mnist
    header = (2051).to_bytes(4, "big") + (60000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    digest = hashlib.sha256(header + train.images.numpy().tobytes()).hexdigest()
    assert digest == "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"


def test_class_names_are_the_books():
    assert FASHION_MNIST_CLASSES == (
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


@pytest.mark.parametrize("size", [96, 224])
def test_loaders_resize_each_batch_to_the_books_sizes(data_root, size):
    train, test = fashion_mnist_loaders(32, resize=size, root=data_root)
    X, y = next(iter(train))
    assert X.shape == (32, 1, size, size) and X.dtype == torch.float32
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert y.shape == (32,) and y.dtype == torch.int64
    assert train.tensors[0].dtype == torch.uint8  # memory stays uint8; floats are per batch
    assert len(test) == 10000 // 32 + 1


def test_image_batch_scales_to_unit_range_and_normalises():
    images = torch.tensor([0, 51, 255], dtype=torch.uint8).view(3, 1, 1, 1)
    assert ImageBatch()(images).flatten().tolist() == pytest.approx([0.0, 0.2, 1.0])
    normalised = ImageBatch(mean=(0.5,), std=(0.5,))(images).flatten().tolist()
    assert normalised == pytest.approx([-1.0, -0.6, 1.0])


def test_image_batch_resize_keeps_a_constant_image_constant():
    images = torch.full((2, 1, 28, 28), 128, dtype=torch.uint8)
    out = ImageBatch(resize=96)(images)
    assert out.shape == (2, 1, 96, 96)
    torch.testing.assert_close(out, torch.full_like(out, 128 / 255))


def test_image_and_label_counts_that_differ_name_both_files(tmp_path, monkeypatch):
    import gzip
    import struct

    from d2lkit.data import catalog, vision
    from d2lkit.errors import DataError

    def idx_entry(name: str, content: bytes) -> catalog.DataFile:
        served = gzip.compress(content, mtime=0)
        (tmp_path / "toy" / name).write_bytes(served)
        return catalog.DataFile(
            name=name,
            urls=(),
            checksum=f"md5:{hashlib.md5(served).hexdigest()}",
            content_sha256=hashlib.sha256(content).hexdigest(),
            format="idx",
        )

    (tmp_path / "toy").mkdir()
    images = idx_entry("train-images-idx3-ubyte.gz", struct.pack(">4i", 2051, 3, 2, 2) + bytes(12))
    labels = idx_entry("train-labels-idx1-ubyte.gz", struct.pack(">2i", 2049, 2) + bytes(2))
    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(images, labels))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    with pytest.raises(DataError) as info:
        vision._read_idx_split("toy", "train", ("a", "b"), tmp_path)
    assert "train-images-idx3-ubyte.gz has 3 images" in info.value.message
    assert "train-labels-idx1-ubyte.gz has 2 labels" in info.value.message
    assert "d2lkit data fetch toy" in info.value.fix


def test_image_view_serves_one_transformed_image_and_its_label():
    from d2lkit.data.vision import ImageSet, ImageView

    images = torch.arange(2 * 1 * 4 * 4, dtype=torch.uint8).reshape(2, 1, 4, 4)
    view = ImageView(ImageSet(images, torch.tensor([3, 7]), ("a",) * 10), ImageBatch(resize=8))
    image, label = view[-1]
    assert image.shape == (1, 8, 8) and image.dtype == torch.float32 and label == 7
    assert len(view) == 2 and isinstance(view[0][1], int)
    with pytest.raises(IndexError):
        view[2]
