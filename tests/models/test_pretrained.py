"""Pretrained weights load from the store: verified, never through torch.hub."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
import torch
import torchvision

from d2lkit.data import catalog
from d2lkit.errors import DataError
from d2lkit.models import pretrained


@pytest.fixture
def stored_resnet18(tmp_path, monkeypatch):
    """A data root whose weights/ holds a random ResNet-18 state dict, catalogued by its sha256."""
    state = torchvision.models.resnet18(weights=None).state_dict()
    path = tmp_path / "weights" / "resnet18-f37072fd.pth"
    path.parent.mkdir()
    torch.save(state, path)
    ds = catalog.get_dataset("resnet18-imagenet")
    entry = replace(
        ds.files[0], checksum=f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}", size=None
    )
    monkeypatch.setitem(catalog.DATASETS, ds.name, replace(ds, files=(entry,)))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", _no_hub)
    return tmp_path, state


def _no_hub(*args: object, **kwargs: object) -> None:
    raise AssertionError("torch.hub was asked to download")


def test_pretrained_resnet18_gets_exactly_the_stored_weights(stored_resnet18):
    root, state = stored_resnet18
    net = pretrained.imagenet_resnet18(True, root, download=False)
    for name, value in net.state_dict().items():
        torch.testing.assert_close(value, state[name])


def test_a_damaged_weights_file_is_refused_before_loading(stored_resnet18):
    root, _ = stored_resnet18
    (root / "weights" / "resnet18-f37072fd.pth").write_bytes(b"truncated")
    with pytest.raises(DataError, match="failed verification"):
        pretrained.load_weights("resnet18", root, download=False)


def test_without_pretrained_nothing_is_read(tmp_path):
    net = pretrained.imagenet_vgg19(False, tmp_path, download=False)
    assert len(net.features) == 37 and not (tmp_path / "weights").exists()


def test_resnet34_weights_are_a_catalogued_file_of_their_own(tmp_path):
    from d2lkit.errors import DownloadError

    assert pretrained.WEIGHTS["resnet34"] == ("resnet34-imagenet", "resnet34-b627a593.pth")
    assert len(list(pretrained.imagenet_resnet34(False, tmp_path).children())) == 10
    with pytest.raises(DownloadError) as err:
        pretrained.imagenet_resnet34(True, tmp_path, download=False)
    assert "resnet34-b627a593.pth" in err.value.fix and str(tmp_path / "weights") in err.value.fix
