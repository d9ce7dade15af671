"""13.9's VOC for recipes: random crops of images and their class masks."""

from __future__ import annotations

import torch

from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.config import DataConfig


def test_voc_batches_are_crops_of_the_asked_size_and_masks_of_classes(fake_store):
    root = fake_store.voc()
    data = build_data(
        DataConfig(dataset="voc2012", batch_size=2, kwargs={"crop_size": (64, 96)}),
        device=torch.device("cpu"), seed=0, root=root,
    )  # fmt: skip
    X, y = next(iter(data.train))
    assert X.shape == (2, 3, 64, 96) and X.dtype == torch.float32
    assert y.shape == (2, 64, 96) and y.dtype == torch.int64 and int(y.max()) <= 20
    assert len(data.train) == 3 // 2  # the last partial batch is dropped
    assert [tuple(img.shape) for img in data.extras["shown"]] == [
        (3, 64, 96),
        (3, 70, 100),
        (3, 64, 120),
    ]
    assert data.extras["crop_size"] == (64, 96) and data.model_kwargs["num_classes"] == 21
