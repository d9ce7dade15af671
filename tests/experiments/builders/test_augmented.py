"""13.1 and 13.2's data for recipes: augmented training batches, plain test batches."""

from __future__ import annotations

import torch

from d2lkit.data.augment import CenterCrop
from d2lkit.data.image_folder import read_hotdog
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.data.vision import read_cifar10
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.config import DataConfig

CPU = torch.device("cpu")


def test_cifar10_training_images_are_each_the_image_or_its_mirror(fake_store):
    root = fake_store.cifar10()
    data = build_data(
        DataConfig(dataset="cifar-10-augmented", batch_size=40), device=CPU, seed=0, root=root
    )
    raw = read_cifar10("train", root)
    X, _ = next(iter(data.train))
    # the training set is shuffled: find each batch image among the originals, as is or mirrored
    originals = raw.images.float() / 255
    flipped = 0
    for image in X:
        as_is = (originals == image).flatten(1).all(1)
        mirrored = (originals.flip(-1) == image).flatten(1).all(1)
        assert bool(as_is.any() or mirrored.any())
        flipped += int(bool(mirrored.any()) and not bool(as_is.any()))
    assert 0 < flipped < 40  # a coin per image
    test_X, _ = next(iter(data.evals["test"]))
    torch.testing.assert_close(test_X, read_cifar10("test", root).images[:40].float() / 255)
    assert data.model_kwargs == {"num_classes": 10, "in_channels": 3}


def test_without_flips_the_training_images_are_the_originals(fake_store):
    root = fake_store.cifar10()
    data = build_data(
        DataConfig(dataset="cifar-10-augmented", batch_size=8, kwargs={"flip": False}),
        device=CPU, seed=0, root=root,
    )  # fmt: skip
    originals = read_cifar10("train", root).images.float() / 255
    for image in next(iter(data.train))[0]:
        assert bool((originals == image).flatten(1).all(1).any())


def test_hot_dogs_train_on_random_224_crops_and_test_on_the_centre(fake_store):
    root = fake_store.hotdog()
    data = build_data(DataConfig(dataset="hotdog", batch_size=4), device=CPU, seed=0, root=root)
    X, _ = next(iter(data.train))
    assert X.shape == (4, 3, 224, 224)
    test_X, test_y = next(iter(data.evals["test"]))
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in IMAGENET_MEAN_STD)
    photos = read_hotdog("test", root)
    expected = (CenterCrop(224)(photos.images[:4]).float() / 255 - mean) / std
    torch.testing.assert_close(test_X, expected)
    assert test_y.tolist() == photos.labels[:4].tolist()
    assert data.model_kwargs == {"num_classes": 2, "root": str(root)}
    assert len(data.extras["shown"]) == 8  # every test photo, fewer than sixteen
