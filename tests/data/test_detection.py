"""The banana reader on a small archive in the real layout: images, boxes as fractions."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from d2lkit.data import detection
from d2lkit.data.store import DataSetUnavailable
from d2lkit.errors import DataError

ROWS = [
    ("0.png", 0, 104, 20, 143, 58),
    ("1.png", 0, 68, 175, 118, 223),
    ("2.png", 0, 0, 0, 256, 128),
]


def _png(seed: int) -> tuple[bytes, np.ndarray]:
    pixels = np.random.default_rng(seed).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue(), pixels


def _layout(rows: list[tuple[object, ...]]) -> tuple[dict[str, bytes], list[np.ndarray]]:
    """The archive's members (one top folder, as the book's zip) and the train images."""
    files, pixels = {}, []
    csv = "img_name,label,xmin,ymin,xmax,ymax\n" + "".join(
        ",".join(map(str, row)) + "\n" for row in rows
    )
    for split in ("bananas_train", "bananas_val"):
        files[f"banana-detection/{split}/label.csv"] = csv.encode()
        for i, row in enumerate(rows):
            data, array = _png(i)
            files[f"banana-detection/{split}/images/{row[0]}"] = data
            if split == "bananas_train":
                pixels.append(array)
    return files, pixels


@pytest.fixture
def bananas_root(stored_archive: Callable[..., Path], zip_bytes: Callable[..., bytes]) -> Path:
    files, _ = _layout(ROWS)
    return stored_archive("banana-detection", zip_bytes(files))


def test_bananas_read_through_the_store_as_uint8_images_and_fractional_boxes(bananas_root):
    data = detection.read_bananas(True, bananas_root)
    _, pixels = _layout(ROWS)
    assert data.images.dtype == torch.uint8 and data.images.shape == (3, 3, 256, 256)
    assert torch.equal(data.images[1], torch.from_numpy(pixels[1]).permute(2, 0, 1))
    assert data.labels.shape == (3, 1, 5)  # the book's (N, 1, 5)
    # (class, x1, y1, x2, y2) / 256, as the book's read_data_bananas divides them
    expected = torch.tensor([[r[1], r[2], r[3], r[4], r[5]] for r in ROWS]) / 256
    torch.testing.assert_close(data.labels[:, 0], expected)


def test_banana_loaders_serve_float_pixels_0_to_255_and_shuffle_only_training(bananas_root):
    train, val = detection.bananas_loaders(2, root=bananas_root)
    X, Y = next(iter(val))
    assert X.dtype == torch.float32 and X.shape == (2, 3, 256, 256) and float(X.max()) > 1
    assert Y.shape == (2, 1, 5)
    assert sum(x.shape[0] for x, _ in train) == 3 and len(train) == 2


def test_a_box_with_corners_out_of_order_names_its_csv_row(tmp_path):
    files, _ = _layout([("0.png", 0, 50, 20, 10, 58)])  # x2 < x1
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    with pytest.raises(DataError, match=r"label\.csv row 2"):
        detection.read_bananas_folder(tmp_path / "banana-detection", True)


def test_missing_bananas_name_the_archive_its_url_and_the_folder(tmp_path):
    with pytest.raises(DataSetUnavailable) as err:
        detection.read_bananas(True, tmp_path, download=False)
    assert "banana-detection.zip" in err.value.fix
    assert "https://d2l-data.s3-accelerate.amazonaws.com/banana-detection.zip" in err.value.fix
    assert str(tmp_path / "banana-detection") in err.value.fix
