"""13.13-13.14's Kaggle data for recipes: the book's split, augmentation and test images."""

from __future__ import annotations

import torch

from d2lkit.data.augment import CenterCrop
from d2lkit.data.kaggle import read_kaggle_images
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.kaggle import CIFAR10_MEAN_STD
from d2lkit.experiments.config import DataConfig

CPU = torch.device("cpu")


def test_cifar10_sample_splits_as_the_book_and_normalises_valid_images(data_root):
    data = build_data(
        DataConfig(dataset="kaggle-cifar10", batch_size=32), device=CPU, seed=0, root=data_root
    )
    images = read_kaggle_images(data_root / "cifar10-tiny", "trainLabels.csv", 0.1)
    valid = images.split(valid=True)
    n = len(valid) // 32 * 32  # the book drops the last partial batch
    assert (
        len(data.evals["valid"]) == len(valid) // 32
        and len(data.train) == (1000 - len(valid)) // 32
    )
    X, y = next(iter(data.evals["valid"]))
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in CIFAR10_MEAN_STD)
    torch.testing.assert_close(X, (valid.images[:32].float() / 255 - mean) / std)
    assert torch.equal(y, valid.labels[:32]) and n >= 32
    train_X, _ = next(iter(data.train))
    assert train_X.shape == (32, 3, 32, 32)
    assert len(data.extras["test_ids"]) == 100 and data.model_kwargs == {"num_classes": 10}


def test_training_on_every_labelled_image_has_no_validation(data_root):
    data = build_data(
        DataConfig(dataset="kaggle-cifar10", batch_size=50, kwargs={"train_valid": True}),
        device=CPU, seed=0, root=data_root,
    )  # fmt: skip
    assert data.evals == {} and len(data.train) == 1000 // 50


def test_dog_photos_are_centre_cropped_for_evaluation_and_number_their_breeds(fake_store):
    root = fake_store.dog_tiny()
    data = build_data(
        DataConfig(dataset="kaggle-dog", batch_size=2, kwargs={"valid_ratio": 0.25}),
        device=CPU, seed=0, root=root,
    )  # fmt: skip
    images = read_kaggle_images(root / "dog-tiny", "labels.csv", 0.25, resize=256)
    X, _ = next(iter(data.evals["valid"]))
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in IMAGENET_MEAN_STD)
    expected = (CenterCrop(224)(images.split(valid=True).images[:2]).float() / 255 - mean) / std
    torch.testing.assert_close(X, expected)
    assert next(iter(data.train))[0].shape == (2, 3, 224, 224)
    assert data.extras["classes"] == ("boxer", "pug", "whippet")
    assert data.model_kwargs == {"num_classes": 3, "root": str(root)}
