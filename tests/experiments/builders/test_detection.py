"""13.6's bananas for recipes: raw pixel values and the book's (B, 1, 5) labels."""

from __future__ import annotations

import torch

from d2lkit.data.detection import read_bananas
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.detection import raw_pixels
from d2lkit.experiments.config import DataConfig


def test_banana_batches_are_float_pixels_0_to_255_with_their_boxes(fake_store):
    root = fake_store.bananas()
    data = build_data(
        DataConfig(dataset="banana-detection", batch_size=4), device=torch.device("cpu"),
        seed=0, root=root,
    )  # fmt: skip
    val = read_bananas(False, root)
    X, Y = next(iter(data.evals["valid"]))
    torch.testing.assert_close(X, val.images[:4].float())  # unscaled, as the book's detector
    torch.testing.assert_close(Y, val.labels[:4])
    assert Y.shape == (4, 1, 5) and data.model_kwargs == {"num_classes": 1}
    assert torch.equal(data.extras["shown"], val.images[:4])
    assert data.input_shape == (3, 256, 256)
    assert torch.equal(
        raw_pixels(torch.tensor([[0, 255]], dtype=torch.uint8)), torch.tensor([[0.0, 255.0]])
    )
