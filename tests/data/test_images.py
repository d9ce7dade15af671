"""Image files decoded to uint8 (C, H, W), with a message naming a damaged file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from d2lkit.data.images import read_image, stack_images
from d2lkit.errors import DataError


def test_an_rgb_png_keeps_its_pixels_channel_first(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    image = read_image(tmp_path / "a.png")
    assert image.shape == (3, 5, 7)
    assert torch.equal(image, torch.from_numpy(pixels).permute(2, 0, 1))
    assert read_image(tmp_path / "a.png", "L").shape == (1, 5, 7)


def test_a_damaged_or_missing_file_is_named(tmp_path):
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"bad\.jpg is not a readable image"):
        read_image(tmp_path / "bad.jpg")
    with pytest.raises(DataError, match=r"gone\.png is missing"):
        read_image(tmp_path / "gone.png")


def test_images_of_different_sizes_do_not_stack():
    with pytest.raises(DataError, match="different sizes"):
        stack_images([torch.zeros(3, 2, 2, dtype=torch.uint8), torch.zeros(3, 2, 3)], "here")
