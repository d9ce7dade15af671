"""VOC segmentation on a three-image archive in the real layout: JPEGs and palette PNG masks."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from d2lkit.data import segmentation as seg
from d2lkit.data.store import DataSetUnavailable
from d2lkit.errors import DataError

SIZES = {"2007_000032": (40, 60), "2007_000039": (50, 70), "2007_000063": (20, 30)}
BORDER = 255  # VOC's palette index of the object borders, drawn (224, 224, 192)


def _palette() -> list[int]:
    colors = [list(c) for c in seg.VOC_COLORMAP] + [[0, 0, 0]] * (256 - 21)
    colors[BORDER] = [224, 224, 192]
    return [v for c in colors for v in c]


def _mask(seed: int, size: tuple[int, int]) -> np.ndarray:
    """Class indices 0-20 with a border line of index 255, as VOC draws them."""
    classes = np.random.default_rng(seed).integers(0, 21, size, dtype=np.uint8)
    classes[size[0] // 2, :] = BORDER
    return classes


def _encoded(array: np.ndarray, fmt: str, palette: bool = False) -> bytes:
    image = Image.fromarray(array, mode="P" if palette else None)
    if palette:
        image.putpalette(_palette())
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _members() -> dict[str, bytes]:
    top = "VOCdevkit/VOC2012/"
    files = {
        top + "ImageSets/Segmentation/train.txt": b"2007_000032\n2007_000039\n2007_000063\n",
        top + "ImageSets/Segmentation/val.txt": b"2007_000039\n",
    }
    for i, (name, size) in enumerate(SIZES.items()):
        pixels = np.random.default_rng(i).integers(0, 256, (*size, 3), dtype=np.uint8)
        files[f"{top}JPEGImages/{name}.jpg"] = _encoded(pixels, "JPEG")
        files[f"{top}SegmentationClass/{name}.png"] = _encoded(_mask(i, size), "PNG", True)
    return files


@pytest.fixture
def voc_root(stored_archive: Callable[..., Path], tar_bytes: Callable[..., bytes]) -> Path:
    return stored_archive("voc2012", tar_bytes(_members()))


def test_voc_masks_become_class_indices_and_borders_background(voc_root):
    data = seg.read_voc(True, voc_root)
    assert data.ids == list(SIZES) and len(data) == 3
    for i, (image, mask) in enumerate(zip(data.images, data.masks, strict=True)):
        size = SIZES[data.ids[i]]
        assert image.shape == (3, *size) and image.dtype == torch.uint8
        drawn = torch.from_numpy(_mask(i, size).astype(np.int64))
        assert torch.equal(mask, torch.where(drawn == BORDER, 0, drawn))
    assert seg.read_voc(False, voc_root).ids == ["2007_000039"]


def test_the_direct_colour_match_equals_the_books_lookup_table():
    g = torch.Generator().manual_seed(0)
    picks = torch.randint(0, 21, (30,), generator=g)
    known = torch.tensor(seg.VOC_COLORMAP, dtype=torch.uint8)[picks]
    other = torch.randint(0, 256, (30, 3), generator=g, dtype=torch.uint8)
    colormap = torch.cat((known, other)).T.reshape(3, 6, 10)  # (3, H, W) RGB
    table = seg.voc_colormap2label()
    assert table.shape == (256**3,)
    assert torch.equal(seg.voc_label_indices(colormap), seg.voc_label_indices(colormap, table))
    assert seg.voc_label_indices(torch.tensor([[[128]], [[0]], [[0]]])).item() == 1  # aeroplane


def test_a_random_crop_takes_the_same_window_of_image_and_mask():
    image = torch.arange(3 * 8 * 9).reshape(3, 8, 9)
    mask = image[0].clone()
    g = torch.Generator().manual_seed(1)
    for _ in range(10):
        crop, label = seg.voc_rand_crop(image, mask, 4, 5, g)
        assert crop.shape == (3, 4, 5) and torch.equal(crop[0], label)
    with pytest.raises(ValueError, match="does not fit"):
        seg.voc_rand_crop(image, mask, 9, 5)


def test_the_dataset_leaves_out_small_images_and_normalises_crops(voc_root):
    data = seg.read_voc(True, voc_root)
    dataset = seg.VOCSegDataset(data, (30, 50))
    assert len(dataset) == 2  # 20x30 is smaller than the crop
    mean, std = torch.tensor(seg.IMAGENET_MEAN_STD[0]), torch.tensor(seg.IMAGENET_MEAN_STD[1])
    expected = (data.images[0].float() / 255 - mean[:, None, None]) / std[:, None, None]
    torch.testing.assert_close(dataset.features[0], expected)
    X, Y = dataset[1]
    assert X.shape == (3, 30, 50) and Y.shape == (30, 50) and Y.dtype == torch.int64


def test_voc_loaders_drop_the_last_partial_batch(voc_root):
    train, test = seg.voc_loaders(2, (30, 50), root=voc_root)
    batches = list(train)
    assert len(batches) == 1 and batches[0][0].shape == (2, 3, 30, 50)
    assert list(test) == []  # one val image: no full batch of 2


def test_a_folder_without_the_split_lists_says_what_a_voc_folder_holds(tmp_path):
    with pytest.raises(DataError, match="ImageSets"):
        seg.read_voc_folder(tmp_path)


def test_missing_voc_names_the_tar_its_url_and_the_folder(tmp_path):
    with pytest.raises(DataSetUnavailable) as err:
        seg.read_voc(True, tmp_path, download=False)
    assert "VOCtrainval_11-May-2012.tar" in err.value.fix
    assert str(tmp_path / "voc2012") in err.value.fix
