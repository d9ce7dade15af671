"""13.12's photos: the book's from the store (or any file), resized and normalised for VGG."""

from __future__ import annotations

import torch

from d2lkit.data.images import read_image
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.style import postprocess, preprocess
from d2lkit.experiments.config import DataConfig


def test_preprocess_normalises_and_postprocess_undoes_it():
    image = torch.randint(0, 256, (3, 10, 14), dtype=torch.uint8)
    X = preprocess(image, 10, 14)
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in IMAGENET_MEAN_STD)
    torch.testing.assert_close(X, (image[None].float() / 255 - mean) / std)
    assert torch.equal(postprocess(X), image)


def test_the_books_photos_by_default_and_any_file_when_given(fake_store, tmp_path):
    root = fake_store.style_images()
    config = DataConfig(dataset="style-images", kwargs={"height": 20, "width": 30})
    data = build_data(config, device=torch.device("cpu"), seed=0, root=root)
    assert data.extras["content"].shape == data.extras["style"].shape == (1, 3, 20, 30)
    rainier = read_image(root / "style-images" / "rainier.jpg")
    torch.testing.assert_close(data.extras["content"], preprocess(rainier, 20, 30))
    own = root / "style-images" / "autumn-oak.jpg"
    config = DataConfig(
        dataset="style-images", kwargs={"content": str(own), "height": 20, "width": 30}
    )
    data = build_data(config, device=torch.device("cpu"), seed=0, root=root)
    torch.testing.assert_close(data.extras["content"], data.extras["style"])
