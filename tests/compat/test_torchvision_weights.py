"""torchvision's pretrained=True, as the book's cells call it, served by d2lkit's store."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
import torch
import torchvision

from d2lkit import torch as d2l  # noqa: F401  (importing it enables the routing)
from d2lkit.compat import torchvision_weights
from d2lkit.data import catalog
from d2lkit.data.store import DataSetUnavailable


@pytest.fixture
def stored_weights(tmp_path, monkeypatch):
    state = torchvision.models.resnet18(weights=None).state_dict()
    path = tmp_path / "weights" / "resnet18-f37072fd.pth"
    path.parent.mkdir()
    torch.save(state, path)
    ds = catalog.get_dataset("resnet18-imagenet")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = replace(ds.files[0], checksum=f"sha256:{sha256}", size=None)
    monkeypatch.setitem(catalog.DATASETS, ds.name, replace(ds, files=(entry,)))
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path))
    return state


def test_the_books_pretrained_resnet18_loads_the_stored_weights(stored_weights):
    net = torchvision.models.resnet18(pretrained=True)
    for name, value in net.state_dict().items():
        torch.testing.assert_close(value, stored_weights[name])


def test_missing_weights_give_the_stores_message_not_a_hub_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path))
    with pytest.raises(DataSetUnavailable) as err:
        torchvision.models.resnet18(weights="IMAGENET1K_V1")
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in err.value.fix
    assert str(tmp_path / "weights") in err.value.fix


def test_other_urls_go_to_torch_hub_and_disable_restores_it(monkeypatch):
    calls = []
    monkeypatch.setattr(torchvision_weights, "_ORIGINAL", lambda url, *a, **k: calls.append(url))
    torch.hub.load_state_dict_from_url("https://example.invalid/other-1234abcd.pth")
    assert calls == ["https://example.invalid/other-1234abcd.pth"]
    torchvision_weights.disable()
    try:
        assert (
            torch.hub.load_state_dict_from_url is not torchvision_weights.load_state_dict_from_url
        )
    finally:
        torchvision_weights.enable()
