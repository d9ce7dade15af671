"""Batch augmentations against torchvision's own functional ops and parameter draws."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision.transforms.v2.functional as TF

from d2lkit.data import augment


def _images(n: int = 4, h: int = 20, w: int = 30, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, h, w), generator=g, dtype=torch.uint8)


def test_resized_crop_equals_torchvisions_on_the_same_boxes():
    images = _images()
    boxes = torch.tensor([[0, 0, 20, 30], [3, 5, 10, 12], [7, 1, 13, 29], [2, 20, 9, 9]])
    ours = augment.resized_crop(images, boxes, (16, 16))
    for image, (top, left, h, w), out in zip(images, boxes.tolist(), ours, strict=True):
        expected = TF.resized_crop(image, top, left, h, w, [16, 16], antialias=True)
        assert (out.int() - expected.int()).abs().max() <= 1  # rounding of the same floats
    assert ours.dtype == torch.uint8 and ours.shape == (4, 3, 16, 16)


@pytest.mark.parametrize("scale, ratio", [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.64, 1.0), (1.0, 1.0))])
def test_crop_boxes_lie_inside_and_keep_the_allowed_area_and_ratio(scale, ratio):
    boxes = augment.crop_boxes(400, 40, 60, scale, ratio, torch.Generator().manual_seed(1))
    top, left, h, w = boxes.T
    assert bool(((top >= 0) & (left >= 0) & (top + h <= 40) & (left + w <= 60)).all())
    share = (h * w).double() / (40 * 60)
    # rounding h and w moves area and ratio a little beyond the drawn values
    assert float(share.min()) >= scale[0] * 0.8 and float(share.max()) <= scale[1] * 1.05
    aspect = w.double() / h.double()
    assert float(aspect.min()) >= ratio[0] * 0.85 and float(aspect.max()) <= ratio[1] * 1.15


def test_an_impossible_ratio_falls_back_to_torchvisions_central_crop():
    # a 10x100 strip cannot hold a crop of aspect 1 and area >= 0.9: the fallback takes its middle
    boxes = augment.crop_boxes(3, 10, 100, (0.9, 1.0), (1.0, 1.0), torch.Generator())
    assert boxes.tolist() == [[0, 45, 10, 10]] * 3


def test_random_resized_crop_is_reproducible_from_its_generator():
    images = _images(8, 32, 32)
    first = augment.RandomResizedCrop(24, generator=torch.Generator().manual_seed(3))(images)
    again = augment.RandomResizedCrop(24, generator=torch.Generator().manual_seed(3))(images)
    other = augment.RandomResizedCrop(24, generator=torch.Generator().manual_seed(4))(images)
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_center_crop_equals_torchvisions():
    images = _images(2, 21, 30)
    ours = augment.CenterCrop((10, 15))(images)
    assert torch.equal(ours, TF.center_crop(images, [10, 15]))
    with pytest.raises(ValueError, match="does not fit"):
        augment.CenterCrop(40)(images)


def test_adjust_color_applies_each_images_factors_in_its_own_order_as_torchvision():
    images = _images(3).float() / 255
    factors = torch.tensor([[1.3, 0.7, 1.2], [0.6, 1.4, 0.5], [1.0, 1.0, 1.0]])
    order = torch.tensor([[0, 1, 2], [2, 0, 1], [1, 2, 0]])
    ours = augment.adjust_color(images, factors, order)
    ops = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation)
    for image, f, o, out in zip(images, factors, order, ours, strict=True):
        expected = image
        for op in o.tolist():
            expected = ops[op](expected, float(f[op]))
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_color_jitter_draws_factors_within_the_books_ranges():
    jitter = augment.ColorJitter(0.4, 0.4, 0.4, generator=torch.Generator().manual_seed(0))
    images = torch.full((500, 3, 2, 2), 0.5)
    out = jitter(images)
    # brightness alone scales a grey image: every output lies within 0.5 * [0.6, 1.4]
    assert float(out.min()) >= 0.5 * 0.6 - 1e-6 and float(out.max()) <= 0.5 * 1.4 + 1e-6
    assert float(out.std()) > 0.05  # the factors do vary
    assert math.isclose(float(augment.ColorJitter()(images).sub(images).abs().max()), 0.0)
