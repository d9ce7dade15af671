"""Checkpoints: written atomically, read with weights_only, every failure a D2lkitError."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import D2lkitError
from d2lkit.train.checkpoint import load_checkpoint, save_checkpoint
from d2lkit.write_errors import WriteError

_CODE_RAN: list[str] = []


def _record(message: str) -> None:
    _CODE_RAN.append(message)


class _RunsCodeWhenUnpickled:
    """What a malicious checkpoint holds: unpickling it calls a function of its choosing."""

    def __reduce__(self):
        return (_record, ("unpickling ran code",))


def test_save_then_load_round_trips_tensors_and_plain_data(tmp_path):
    state = {
        "model": {"weight": torch.arange(6.0).reshape(2, 3), "bias": torch.zeros(2)},
        "epoch": 3,
        "history": [{"epoch": 1, "train_loss": 0.5}],
        "name": "lenet",
    }
    path = save_checkpoint(state, tmp_path / "runs" / "checkpoint.pt")
    assert path == tmp_path / "runs" / "checkpoint.pt"
    loaded = load_checkpoint(path)
    torch.testing.assert_close(loaded["model"]["weight"], state["model"]["weight"])
    assert loaded["epoch"] == 3 and loaded["history"] == state["history"]
    assert loaded["name"] == "lenet"


def test_a_save_that_fails_midway_keeps_the_old_checkpoint_and_leaves_no_temporary(
    tmp_path, monkeypatch
):
    path = save_checkpoint({"epoch": 1}, tmp_path / "checkpoint.pt")

    def crash_after_half(obj, f, *args, **kwargs):
        with open(f, "wb") as out:
            out.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_after_half)
    with pytest.raises(WriteError, match=f"cannot write {path}: disk full"):
        save_checkpoint({"epoch": 2}, path)
    monkeypatch.undo()
    assert load_checkpoint(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_loading_refuses_pickled_code_without_running_it(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": {}, "payload": _RunsCodeWhenUnpickled()}, path)
    _CODE_RAN.clear()
    with pytest.raises(D2lkitError, match="not a readable d2lkit checkpoint") as info:
        load_checkpoint(path)
    assert _CODE_RAN == []
    assert info.value.fix and "fresh run" in info.value.fix
    torch.load(path, weights_only=False)  # the control: the payload is live when trusted
    assert _CODE_RAN == ["unpickling ran code"]


def test_a_file_that_is_no_checkpoint_gives_a_d2lkit_error_naming_it(tmp_path):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"this is not a torch file")
    with pytest.raises(D2lkitError) as info:
        load_checkpoint(path)
    assert str(path) in info.value.message
    assert info.value.__cause__ is None  # the torch traceback is not the user's business


def test_a_missing_checkpoint_says_where_it_looked_and_what_to_give(tmp_path):
    missing = tmp_path / "runs" / "lenet" / "checkpoint.pt"
    with pytest.raises(D2lkitError) as info:
        load_checkpoint(missing)
    assert info.value.message == f"no checkpoint at {missing}"
    assert info.value.fix and "run directory" in info.value.fix


def test_a_folder_is_not_taken_for_a_checkpoint(tmp_path):
    with pytest.raises(D2lkitError, match="no checkpoint at"):
        load_checkpoint(tmp_path)


def test_tensors_load_onto_the_requested_device(tmp_path):
    path = save_checkpoint({"w": torch.ones(2)}, tmp_path / "checkpoint.pt")
    assert load_checkpoint(path, map_location=torch.device("cpu"))["w"].device.type == "cpu"
