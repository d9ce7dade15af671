"""Class-folder trees as tensors, labelled as torchvision's ImageFolder labels them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.datasets import ImageFolder

from d2lkit.data import image_folder
from d2lkit.data.store import DataSetUnavailable
from d2lkit.errors import DataError


def _tree(root: Path, sizes: dict[str, list[tuple[int, int]]]) -> None:
    rng = np.random.default_rng(0)
    for cls, shapes in sizes.items():
        (root / cls).mkdir(parents=True)
        for i, (h, w) in enumerate(shapes):
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(
                root / cls / f"{i:03d}.png"
            )


def test_labels_and_classes_equal_torchvisions_image_folder(tmp_path):
    _tree(tmp_path, {"not-hotdog": [(8, 8)] * 3, "hotdog": [(8, 8)] * 2, "z": [(8, 8)]})
    data = image_folder.read_image_folder(tmp_path)
    reference = ImageFolder(str(tmp_path))
    assert data.classes == tuple(reference.classes) == ("hotdog", "not-hotdog", "z")
    assert data.labels.tolist() == reference.targets
    first = torch.from_numpy(np.array(reference[0][0])).permute(2, 0, 1)
    assert torch.equal(data.images[0], first)


def test_photos_of_different_sizes_are_resized_or_refused(tmp_path):
    _tree(tmp_path, {"a": [(10, 20), (30, 15)]})
    data = image_folder.read_image_folder(tmp_path, resize=12)
    assert data.images.shape == (2, 3, 12, 12) and data.images.dtype == torch.uint8
    with pytest.raises(DataError, match="different sizes"):
        image_folder.read_image_folder(tmp_path)


def test_hotdog_reads_through_the_store(
    stored_archive: Callable[..., Path], zip_bytes: Callable[..., bytes], tmp_path: Path
):
    _tree(tmp_path / "src" / "train", {"hotdog": [(20, 30)], "not-hotdog": [(40, 10)] * 2})
    files = {
        f"hotdog/{p.relative_to(tmp_path / 'src').as_posix()}": p.read_bytes()
        for p in sorted((tmp_path / "src").rglob("*.png"))
    }
    root = stored_archive("hotdog", zip_bytes(files))
    data = image_folder.read_hotdog("train", root, resize=16)
    assert data.images.shape == (3, 3, 16, 16) and data.labels.tolist() == [0, 1, 1]


def test_missing_hotdog_names_the_zip_and_its_folder(tmp_path):
    with pytest.raises(DataSetUnavailable) as err:
        image_folder.read_hotdog("train", tmp_path, download=False)
    assert "hotdog.zip" in err.value.fix and str(tmp_path / "hotdog") in err.value.fix
