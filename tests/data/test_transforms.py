"""Batched augmentations: crop, flip, normalise, resize; seeded, on the batch's device."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from d2lkit.data.transforms import (
    Compose,
    ImageBatch,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    Resize,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _images(b: int = 16, c: int = 3, h: int = 8, w: int = 8) -> torch.Tensor:
    return (
        torch.arange(b * c * h * w, dtype=torch.int64)
        .reshape(b, c, h, w)
        .remainder(251)
        .to(torch.uint8)
    )


@pytest.mark.parametrize("device", DEVICES)
def test_random_crop_takes_a_window_of_the_zero_padded_image(device):
    images = _images().to(device)
    out = RandomCrop(8, padding=2, generator=torch.Generator().manual_seed(0))(images)
    assert out.shape == images.shape and out.dtype == torch.uint8 and out.device == images.device
    padded = F.pad(images, (2, 2, 2, 2))
    for i in range(images.shape[0]):  # each crop is one of the 5 x 5 windows
        windows = [padded[i, :, y : y + 8, x : x + 8] for y in range(5) for x in range(5)]
        assert any(torch.equal(out[i], window) for window in windows)


def test_random_crop_offsets_cover_every_position_and_repeat_for_a_seed():
    images = _images(b=2000, c=1, h=4, w=4).zero_() + 1  # ones; the padding shows as zeros
    first = RandomCrop(4, padding=1, generator=torch.Generator().manual_seed(3))(images)
    again = RandomCrop(4, padding=1, generator=torch.Generator().manual_seed(3))(images)
    assert torch.equal(first, again)
    # a shift (dy, dx) leaves a zero row on top (dy = 0) or bottom (dy = 2), none if dy = 1
    top, bottom = (first[:, 0, 0] == 0).all(1), (first[:, 0, -1] == 0).all(1)
    shares = torch.stack([top, ~top & ~bottom, bottom]).float().mean(1)
    assert torch.allclose(shares, torch.full((3,), 1 / 3), atol=0.04)


def test_crop_without_padding_to_full_size_is_the_identity():
    images = _images()
    assert torch.equal(RandomCrop(8)(images), images)
    assert RandomCrop((4, 6))(images).shape == (16, 3, 4, 6)
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(12, padding=1)(images)


@pytest.mark.parametrize("device", DEVICES)
def test_flip_mirrors_about_half_the_images_and_repeats_for_a_seed(device):
    images = _images(b=1000).to(device)
    out = RandomHorizontalFlip(generator=torch.Generator().manual_seed(0))(images)
    flipped = (out == images.flip(-1)).flatten(1).all(1)
    kept = (out == images).flatten(1).all(1)
    assert (flipped ^ kept).all() and 430 < int(flipped.sum()) < 570
    again = RandomHorizontalFlip(generator=torch.Generator().manual_seed(0))(images)
    assert torch.equal(out, again)
    assert torch.equal(RandomHorizontalFlip(p=1.0)(images), images.flip(-1))
    assert torch.equal(RandomHorizontalFlip(p=0.0)(images), images)


def test_normalize_per_channel_and_refuses_uint8():
    x = torch.ones(2, 3, 4, 4) * torch.tensor([0.5, 0.25, 1.0]).view(1, 3, 1, 1)
    out = Normalize((0.5, 0.5, 0.5), (0.5, 0.25, 2.0))(x)
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([0.0, -1.0, 0.25]))
    with pytest.raises(TypeError, match="float images"):
        Normalize((0.5,), (0.5,))(_images())


def test_resize_keeps_uint8_and_a_constant_image_constant():
    images = torch.full((2, 3, 28, 28), 200, dtype=torch.uint8)
    out = Resize(224)(images)
    assert out.shape == (2, 3, 224, 224) and out.dtype == torch.uint8 and (out == 200).all()
    floats = Resize((14, 7))(images.float() / 255)
    assert floats.shape == (2, 3, 14, 7) and torch.allclose(floats, torch.tensor(200 / 255))


def test_compose_runs_a_cifar_style_pipeline_reproducibly():
    def pipeline(seed: int) -> Compose:
        g = torch.Generator().manual_seed(seed)
        return Compose(
            [
                RandomCrop(32, padding=4, generator=g),
                RandomHorizontalFlip(generator=g),
                ImageBatch(),
                Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
            ]
        )

    images = _images(b=64, h=32, w=32)
    out = pipeline(0)(images)
    assert out.shape == (64, 3, 32, 32) and out.dtype == torch.float32
    assert torch.equal(out, pipeline(0)(images)) and not torch.equal(out, pipeline(1)(images))


def test_a_single_image_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        RandomCrop(8)(_images()[0])
