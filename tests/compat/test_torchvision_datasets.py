"""torchvision's FashionMNIST/MNIST/CIFAR10(download=True), as sections 3.5 and 13.1 call them,
served by d2lkit's store."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torchvision
from torchvision import datasets

from d2lkit import torch as d2l  # noqa: F401  (importing it enables the routing)
from d2lkit.compat import torchvision_datasets
from d2lkit.data import catalog
from d2lkit.data.store import DataSetUnavailable

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("torchvision tried the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_fashion_mnist_comes_from_the_store_without_the_network(
    data_root, tmp_path, monkeypatch, no_network
):
    monkeypatch.setenv("D2LKIT_DATA", str(data_root))
    test = datasets.FashionMNIST(root=tmp_path / "data", train=False, download=True)
    assert len(test) == 10_000 and test.data.shape == (10_000, 28, 28)
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    names = sorted(p.name for p in raw.iterdir())  # unpacked, as torchvision keeps them
    assert names == sorted(f"{kind}-{part}-idx{n}-ubyte" for kind in ("train", "t10k")
                           for part, n in (("images", 3), ("labels", 1)))  # fmt: skip
    from d2lkit.data import read_fashion_mnist

    ours = read_fashion_mnist("test", data_root)
    assert test.targets.tolist() == ours.labels.tolist()  # the same files, read by torchvision


def test_a_data_set_the_store_cannot_have_is_its_one_message(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path / "store"))
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    with pytest.raises(DataSetUnavailable) as err:
        datasets.CIFAR10(root=tmp_path / "data", train=True, download=True)
    text = f"{err.value} {err.value.fix}"
    assert "cifar-10-python.tar.gz" in text
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in text
    assert str(tmp_path / "store" / "cifar-10") in text
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def _batch(images: np.ndarray, labels: list[int]) -> bytes:
    return pickle.dumps({"data": images.reshape(len(labels), -1), "labels": labels})


@pytest.fixture
def small_cifar(tmp_path, monkeypatch):
    """A CIFAR-10 archive of 2 images per batch, in the real layout, catalogued in the store."""
    rng = np.random.default_rng(0)
    files = {f"data_batch_{i}": _batch(rng.integers(0, 256, (2, 3, 32, 32), np.uint8), [i, i + 1])
             for i in range(1, 6)}  # fmt: skip
    files["test_batch"] = _batch(rng.integers(0, 256, (2, 3, 32, 32), np.uint8), [7, 8])
    files["batches.meta"] = pickle.dumps({"label_names": [f"c{i}" for i in range(10)]})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    archive = buffer.getvalue()
    store = tmp_path / "store"
    (store / "cifar-10").mkdir(parents=True)
    (store / "cifar-10" / "cifar-10-python.tar.gz").write_bytes(archive)
    ds = catalog.get_dataset("cifar-10")
    entry = replace(ds.files[0], checksum=f"md5:{hashlib.md5(archive).hexdigest()}", size=None)
    monkeypatch.setitem(catalog.DATASETS, ds.name, replace(ds, files=(entry,)))
    md5 = {name: hashlib.md5(content).hexdigest() for name, content in files.items()}
    cls = datasets.CIFAR10
    monkeypatch.setattr(cls, "tgz_md5", hashlib.md5(archive).hexdigest())
    monkeypatch.setattr(cls, "train_list", [[n, md5[n]] for n, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[n, md5[n]] for n, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5["batches.meta"]})
    monkeypatch.setenv("D2LKIT_DATA", str(store))
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    return files


def test_cifar10_is_linked_from_the_store_and_unpacked_by_torchvision(
    small_cifar, tmp_path, no_network
):
    train = datasets.CIFAR10(root=tmp_path / "data", train=True, download=True)
    assert len(train) == 10 and train.targets == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert train.classes[7] == "c7"
    first = pickle.loads(small_cifar["data_batch_1"])["data"][0].reshape(3, 32, 32)
    assert (train.data[0] == first.transpose(1, 2, 0)).all()  # torchvision's own HWC unpacking
    assert (tmp_path / "data" / "cifar-10-python.tar.gz").is_symlink()
    test = datasets.CIFAR10(root=tmp_path / "data", train=False, download=True)
    assert test.targets == [7, 8]


def test_an_archive_already_in_root_is_unpacked_without_asking_the_store(
    small_cifar, tmp_path, monkeypatch, no_network
):
    store_copy = tmp_path / "store" / "cifar-10" / "cifar-10-python.tar.gz"
    root = tmp_path / "data"
    root.mkdir()
    shutil.copyfile(store_copy, root / store_copy.name)  # the learner's own download
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path / "empty"))  # the store has nothing
    train = datasets.CIFAR10(root=root, train=True, download=True)
    assert len(train) == 10 and not (root / store_copy.name).is_symlink()


def test_other_subclasses_and_the_opt_out_keep_torchvisions_own_download(
    tmp_path, monkeypatch, no_network
):
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path / "store"))
    with pytest.raises(AssertionError, match="network"):  # CIFAR-100 is not in the store
        datasets.CIFAR100(root=tmp_path / "data", download=True)
    torchvision_datasets.disable()
    try:
        assert not hasattr(datasets.CIFAR10.download, "__d2lkit_book__")
        monkeypatch.setenv(torchvision_datasets.ENV_OPT_OUT, "0")
        torchvision_datasets.enable()
        assert not hasattr(datasets.CIFAR10.download, "__d2lkit_book__")
    finally:
        monkeypatch.delenv(torchvision_datasets.ENV_OPT_OUT)
        torchvision_datasets.enable()
    assert datasets.CIFAR10.download.__d2lkit_book__
    assert torchvision.__name__ == "torchvision"


def test_the_facade_imports_no_torchvision_and_serves_it_once_imported():
    code = (
        "import sys\nfrom d2lkit import torch as d2l\n"
        "print('torchvision' in sys.modules)\n"
        "import torchvision\n"
        "print(getattr(torchvision.datasets.MNIST.download, '__d2lkit_book__', False))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
