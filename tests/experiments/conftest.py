"""A boring recipe for run tests (96 synthetic 28x28 "images", softmax regression), and the
small chapter 13-15 data sets the recipes of those chapters are tested on (``fake_store``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from d2lkit.data import TensorLoader
from d2lkit.experiments import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    Recipe,
    RunConfig,
    TrainConfig,
    apply_overrides,
    run_recipe,
)
from d2lkit.experiments.builders.data import DATA, DataSpec, RunData


def _blobs(config, *, device, seed, root, n: int = 96):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    X = torch.randn(n, 1, 28, 28, generator=g) + y.float().view(-1, 1, 1, 1) / 5
    train = TensorLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=seed, device=device)
    return RunData(train, {"test": TensorLoader(X, y, batch_size=64, device=device)})


@pytest.fixture
def recipe(monkeypatch):
    monkeypatch.setitem(DATA._entries, "blobs", DataSpec("blobs", _blobs))
    config = RunConfig(
        data=DataConfig(dataset="blobs", batch_size=32),
        model=ModelConfig(name="softmax_regression"),
        optim=OptimConfig(lr=0.1),
        train=TrainConfig(epochs=2, device="cpu"),
    )
    return Recipe(name="blobs-softmax", section="0", title="test", config=config)


def _run_blobs(recipe, tmp_path, *overrides, **kw):
    config = apply_overrides(recipe.config, list(overrides))
    return run_recipe(recipe, config, out=tmp_path, progress=False, download=False, **kw)


@pytest.fixture
def run_blobs():
    """``run_blobs(recipe, tmp_path, "train.epochs=1", ...)``: run it quietly into tmp_path."""
    return _run_blobs


# --- small files in the real formats of chapters 13-15, put where the store looks ----------

WORDS = (
    *("the", "a", "man", "woman", "dog", "cat", "is", "runs", "sits", "on", "mat", "park"),
    *("good", "bad", "great", "movie", "so"),
)


def _image_bytes(height: int, width: int, seed: int, fmt: str = "PNG") -> bytes:
    import io

    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def _tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _sentences(count: int, seed: int, low: int = 3, high: int = 8) -> list[str]:
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(low, high))) for _ in range(count)]


class FakeStore:
    """Writes small data sets in their real formats and makes the store accept them.

    Every method returns the data root (one folder for all of a test's data sets).
    """

    def __init__(self, store_file, zip_bytes, monkeypatch) -> None:
        self.store_file, self.zip_bytes, self.monkeypatch = store_file, zip_bytes, monkeypatch

    def cifar10(self, per_batch: int = 8) -> Path:
        import pickle

        import numpy as np

        from d2lkit.data.vision import CIFAR10_CLASSES

        rng = np.random.default_rng(0)

        def batch(n: int) -> bytes:
            data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
            return pickle.dumps({"labels": [i % 10 for i in range(n)], "data": data}, protocol=2)

        members = {"batches.meta": pickle.dumps({"label_names": list(CIFAR10_CLASSES)})}
        members |= {f"data_batch_{i}": batch(per_batch) for i in range(1, 6)}
        members["test_batch"] = batch(per_batch)
        archive = _tar_bytes({f"cifar-10-batches-py/{k}": v for k, v in members.items()}, "w:gz")
        return self.store_file("cifar-10", "cifar-10-python.tar.gz", archive)

    def hotdog(self, per_class: int = 4) -> Path:
        files = {}
        for split in ("train", "test"):
            for c, name in enumerate(("hotdog", "not-hotdog")):
                for i in range(per_class):
                    size = (30 + 5 * i, 40 - 3 * i)  # photos of different sizes
                    photo = _image_bytes(*size, 10 * c + i, "JPEG")
                    files[f"hotdog/{split}/{name}/{i}.jpg"] = photo
        return self.store_file("hotdog", "hotdog.zip", self.zip_bytes(files))

    def bananas(self, count: int = 6) -> Path:
        files = {}
        for split in ("bananas_train", "bananas_val"):
            rows = ["img_name,label,xmin,ymin,xmax,ymax"]
            for i in range(count):
                files[f"banana-detection/{split}/images/{i}.png"] = _image_bytes(256, 256, i)
                rows.append(f"{i}.png,0,{20 + 10 * i},{30 + 5 * i},{120 + 10 * i},{140 + 5 * i}")
            files[f"banana-detection/{split}/label.csv"] = ("\n".join(rows) + "\n").encode()
        return self.store_file("banana-detection", "banana-detection.zip", self.zip_bytes(files))

    def voc(self, sizes: tuple[tuple[int, int], ...] = ((64, 96), (70, 100), (64, 120))) -> Path:
        import io

        import numpy as np
        from PIL import Image

        from d2lkit.data.segmentation import VOC_COLORMAP

        top, ids, files = "VOCdevkit/VOC2012/", [f"2007_00{i:04d}" for i in range(len(sizes))], {}
        palette = [v for c in [*VOC_COLORMAP, *[(0, 0, 0)] * (256 - 21)] for v in c]
        for i, (name, size) in enumerate(zip(ids, sizes, strict=True)):
            files[f"{top}JPEGImages/{name}.jpg"] = _image_bytes(*size, i, "JPEG")
            mask = Image.fromarray(
                np.random.default_rng(i).integers(0, 21, size, dtype=np.uint8), mode="P"
            )
            mask.putpalette(palette)
            buffer = io.BytesIO()
            mask.save(buffer, format="PNG")
            files[f"{top}SegmentationClass/{name}.png"] = buffer.getvalue()
        listing = ("\n".join(ids) + "\n").encode()
        files[f"{top}ImageSets/Segmentation/train.txt"] = listing
        files[f"{top}ImageSets/Segmentation/val.txt"] = listing
        return self.store_file("voc2012", "VOCtrainval_11-May-2012.tar", _tar_bytes(files))

    def dog_tiny(self, breeds: tuple[str, ...] = ("boxer", "pug", "whippet")) -> Path:
        files, rows = {}, ["id,breed"]
        for i in range(4 * len(breeds)):
            name = f"{i:04x}abcd"
            files[f"kaggle_dog_tiny/train/{name}.jpg"] = _image_bytes(40 + i, 50 - i, i, "JPEG")
            rows.append(f"{name},{breeds[i % len(breeds)]}")
        for i in range(3):
            files[f"kaggle_dog_tiny/test/{i:04x}ffff.jpg"] = _image_bytes(45, 45, 100 + i, "JPEG")
        files["kaggle_dog_tiny/labels.csv"] = ("\n".join(rows) + "\n").encode()
        return self.store_file("dog-tiny", "kaggle_dog_tiny.zip", self.zip_bytes(files))

    def glove(self, name: str = "glove.6b.100d", dim: int = 100) -> Path:
        import numpy as np

        from d2lkit.data.embeddings import EMBEDDINGS

        stem = EMBEDDINGS[name].removesuffix(".zip")
        rng = np.random.default_rng(0)
        lines = [w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=dim)) for w in WORDS]
        archive = self.zip_bytes({f"{stem}/vec.txt": "\n".join(lines) + "\n"})
        return self.store_file(name, EMBEDDINGS[name], archive)

    def aclimdb(self, per_label: int = 12) -> Path:
        """IMDb's aclImdb_v1.tar.gz layout: aclImdb/{train,test}/{pos,neg}/<id>_<stars>.txt."""
        files = {}
        for split, seed in (("train", 0), ("test", 1)):
            for label, word in (("pos", "great"), ("neg", "bad")):
                texts = _sentences(per_label, seed + len(word), 20, 40)
                for i, text in enumerate(texts):
                    files[f"aclImdb/{split}/{label}/{i}_7.txt"] = f"{text} so {word} .".encode()
        return self.store_file("aclimdb", "aclImdb_v1.tar.gz", _tar_bytes(files, "w:gz"))

    def snli(self, count: int = 60) -> Path:
        header = "gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1"
        labels = ("entailment", "contradiction", "neutral")
        files = {}
        for split, seed in (("train", 0), ("dev", 1), ("test", 2)):
            premises, hypotheses = _sentences(count, seed), _sentences(count, seed + 10)
            rows = [
                f"{labels[i % 3]}\t( {p} )\t( ( {h} ) )\tplain"
                for i, (p, h) in enumerate(zip(premises, hypotheses, strict=True))
            ]
            files[f"snli_1.0/snli_1.0_{split}.txt"] = "\n".join([header, *rows]) + "\n"
        return self.store_file("snli", "snli_1.0.zip", self.zip_bytes(files))

    def wikitext(self, paragraphs: int = 40) -> Path:
        lines = [" = Title = ", ""]
        for i in range(paragraphs):
            lines.append(" " + " . ".join(_sentences(4, i)) + " . ")
        text = "\n".join(lines) + "\n"
        files = {f"wikitext-2/wiki.{s}.tokens": text for s in ("train", "valid", "test")}
        return self.store_file("wikitext-2", "wikitext-2-v1.zip", self.zip_bytes(files))

    def bert_small(self) -> Path:
        import io
        import json

        import torch

        from d2lkit.data.bert_inputs import BERT_RESERVED
        from d2lkit.models.bert import BERT_SIZES, BERTModel

        vocab = ["<unk>", *BERT_RESERVED, *WORDS, "."]
        torch.manual_seed(0)
        state = BERTModel(len(vocab), **BERT_SIZES["bert.small"], dropout=0.1, max_len=512)
        buffer = io.BytesIO()
        torch.save(state.state_dict(), buffer)
        files = {
            "bert.small.torch/vocab.json": json.dumps(vocab),
            "bert.small.torch/pretrained.params": buffer.getvalue(),
        }
        return self.store_file("bert.small", "bert.small.torch.zip", self.zip_bytes(files))

    def style_images(self) -> Path:
        self.store_file("style-images", "rainier.jpg", _image_bytes(80, 120, 1, "JPEG"))
        return self.store_file("style-images", "autumn-oak.jpg", _image_bytes(90, 90, 2, "JPEG"))

    def random_weights(self) -> None:
        """Pretrained weights without the 50-550 MB files: each model's own random ones."""
        import torchvision

        from d2lkit.models import pretrained

        def load(model: str, root=None, *, download: bool = True) -> dict:
            return getattr(torchvision.models, model)(weights=None).state_dict()

        self.monkeypatch.setattr(pretrained, "load_weights", load)


@pytest.fixture
def fake_store(store_file, zip_bytes, monkeypatch) -> FakeStore:
    """Small chapter 13-15 data sets in the real formats (see :class:`FakeStore`)."""
    return FakeStore(store_file, zip_bytes, monkeypatch)
