"""Checkpoints: written atomically, read with weights_only, checked against their schema on
read; every failure a D2lkitError."""

from __future__ import annotations

import copy
import os

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError, D2lkitError
from d2lkit.train import Checkpoint, EarlyStopping, StepLogger, Trainer, seed_everything
from d2lkit.train.checkpoint import check_checkpoint, load_checkpoint, save_checkpoint
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


# --- what is read back is checked against what is written (issue 23, item 3) ----------------


def _trainer(callbacks=(), width: int = 3):
    """A small trainer with momentum, a schedule, early stopping and a step log: every state."""
    seed_everything(0)
    model = nn.Sequential(nn.Linear(width, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    all_callbacks = [EarlyStopping(patience=5), StepLogger(os.devnull, every=16), *callbacks]
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, device="cpu",
                      callbacks=all_callbacks)  # fmt: skip
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(48, width, generator=g), torch.randint(0, 2, (48,), generator=g)
    loader = TensorLoader(X, y, batch_size=16, shuffle=True, seed=0)
    return trainer, loader


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """A real checkpoint after two epochs, as the Checkpoint callback writes it."""
    path = tmp_path_factory.mktemp("ckpt") / "checkpoint.pt"
    trainer, loader = _trainer([Checkpoint(path)])
    trainer.fit(loader, {"test": loader}, epochs=2)
    return load_checkpoint(path)


def _other_optimizer_state() -> dict:
    """The optimiser state of a model with as many parameters, of other shapes."""
    trainer, loader = _trainer(width=5)
    trainer.fit(loader, epochs=1)
    return trainer.optimizer.state_dict()


def _set(path: str | tuple, value):
    """A mutation: ``state[a][b]... = value`` (keys '.'-separated or a tuple; ints index).

    ``value`` may be a function of the old value, or ``_DELETE``.
    """

    def mutate(state):
        keys = path if isinstance(path, tuple) else path.split(".")
        *parents, last = [int(k) if isinstance(k, str) and k.isdigit() else k for k in keys]
        for key in parents:
            state = state[key]
        if value is _DELETE:
            del state[last]
        else:
            state[last] = value(state[last]) if callable(value) else value

    return mutate


_DELETE = object()

# (what is wrong, the mutation, the field the message must name)
BAD_FIELDS = [
    ("a list, not a dict", lambda s: s.clear() or s.update(list=[1]), "the whole file"),
    ("epoch as text", _set("epoch", "2"), "epoch is '2' (str)"),
    ("epoch negative", _set("epoch", -1), "epoch is -1"),
    ("epoch true", _set("epoch", True), "epoch is True"),
    ("step missing", _set("step", _DELETE), "step is missing"),
    ("examples_seen a float", _set("examples_seen", 3.5), "examples_seen"),
    ("history a dict", _set("history", {"epoch": 1}), "history is a dict"),
    ("history rows not dicts", _set("history", [1, 2]), "history[0] is 1"),
    ("history shorter than epoch", _set("history", lambda h: h[:1]), "history is"),
    ("history epochs renumbered", _set("history.1.epoch", 7), "history[1].epoch is 7"),
    ("rng missing", _set("rng", _DELETE), "rng is missing"),
    (
        "rng.python keys a list",
        _set("rng.python", lambda t: (t[0], list(t[1]), t[2])),
        "rng.python",
    ),
    ("rng.python short", _set("rng.python", lambda t: (t[0], t[1][:5], t[2])), "rng.python"),
    ("rng.numpy text", _set("rng.numpy", "MT19937"), "rng.numpy"),
    ("rng.torch floats", _set("rng.torch", torch.zeros(5)), "rng.torch is a float32 tensor"),
    ("rng.torch short", _set("rng.torch", torch.zeros(5, dtype=torch.uint8)), "rng.torch"),
    ("rng.cuda not tensors", _set("rng.cuda", [1]), "rng.cuda"),
    ("loader generator text", _set("train_loader.generator", "x"), "train_loader.generator"),
    ("loader seed text", _set("train_loader.seed", "0"), "train_loader.seed"),
    ("model a tensor", _set("model", torch.zeros(3)), "model is a float32 tensor"),
    ("model value a list", _set(("model", "0.weight"), [[0.0]]), "model['0.weight']"),
    ("model of another shape", _set(("model", "0.weight"), torch.zeros(4, 9)), "shape (4, 3)"),
    ("model entry missing", _set(("model", "2.bias"), _DELETE), "model['2.bias'] is missing"),
    ("model entry extra", _set("model.extra", torch.zeros(1)), "model['extra']"),
    ("optimizer a list", _set("optimizer", [1]), "optimizer is"),
    ("optimizer lr text", _set("optimizer.param_groups.0.lr", "0.1"), "param_groups[0].lr"),
    (
        "optimizer group lost",
        _set("optimizer.param_groups.0.params", lambda p: p[:2]),
        "optimizer.param_groups",
    ),
    (
        "optimizer of another model",
        _set("optimizer", lambda _: _other_optimizer_state()),
        "optimizer.state[0].momentum_buffer is a float32 tensor of shape (4, 5)",
    ),
    (
        "momentum a list",
        _set("optimizer.state.0.momentum_buffer", [1.0]),
        "optimizer.state[0].momentum_buffer is [1.0]",
    ),
    (
        "momentum a scalar",
        _set("optimizer.state.1.momentum_buffer", torch.tensor(0.5)),
        "expected a tensor of shape (4,)",
    ),
    (
        "group lr missing",
        _set("optimizer.param_groups.0.lr", _DELETE),
        "optimizer.param_groups[0].lr is missing",
    ),
    (
        "history value a tensor",
        _set("history.0.train_loss", torch.zeros(1)),
        "history[0].train_loss",
    ),
    (
        "loader generator missing",
        _set("train_loader.generator", _DELETE),
        "train_loader.generator is missing",
    ),
    ("loader seed None", _set("train_loader.seed", None), "train_loader.seed is None"),
    ("scheduler epoch a float", _set("scheduler.last_epoch", 2.5), "scheduler.last_epoch"),
    ("scheduler base_lrs longer", _set("scheduler.base_lrs", [0.1, 0.1]), "scheduler.base_lrs"),
    (
        "step log row with another column",
        _set("callbacks.StepLogger.rows.0.extra", 1),
        "callbacks['StepLogger'].rows[0]",
    ),
    ("scheduler epoch text", _set("scheduler.last_epoch", "2"), "scheduler.last_epoch"),
    ("scheduler a list", _set("scheduler", [2]), "scheduler is"),
    ("task a list", _set("task", []), "task is"),
    ("callbacks text", _set("callbacks", "EarlyStopping"), "callbacks is"),
    (
        "callback state a list",
        _set("callbacks.EarlyStopping", [0.1, 1]),
        "callbacks['EarlyStopping'] is",
    ),
    (
        "callback field missing",
        _set("callbacks.EarlyStopping.bad_epochs", _DELETE),
        "callbacks['EarlyStopping'].bad_epochs is missing",
    ),
    (
        "callback field text",
        _set("callbacks.EarlyStopping.best", "0.3"),
        "callbacks['EarlyStopping'].best is '0.3'",
    ),
    (
        "callback rows not dicts",
        _set("callbacks.StepLogger.rows", [1, 2]),
        "callbacks['StepLogger']",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [case[1:] for case in BAD_FIELDS], ids=[case[0] for case in BAD_FIELDS]
)
def test_a_checkpoint_field_of_the_wrong_type_or_shape_is_one_error_naming_file_and_field(
    written, tmp_path, mutate, field
):
    state = copy.deepcopy(written)
    mutate(state)
    path = save_checkpoint(state.get("list", state), tmp_path / "checkpoint.pt")
    trainer, _ = _trainer()
    before = copy.deepcopy(trainer.model.state_dict())
    with pytest.raises(ConfigError) as info:
        trainer.load_checkpoint(path)
    message = info.value.message
    assert message.startswith(f"{path}") and field in message and "expected" in message
    assert message.count(str(path)) == 1 and "\n" not in message
    assert info.value.fix and "new run" in info.value.fix
    assert trainer.epoch == 0 and trainer.history == []  # nothing half-loaded
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_a_written_checkpoint_passes_its_own_schema_and_extra_fields_are_ignored(written, tmp_path):
    state = copy.deepcopy(written)
    state["note"] = "written by a newer d2lkit"
    path = save_checkpoint(state, tmp_path / "checkpoint.pt")
    assert check_checkpoint(load_checkpoint(path), path) is not None
    trainer, loader = _trainer()
    trainer.load_checkpoint(path)
    assert trainer.epoch == 2 and [row["epoch"] for row in trainer.history] == [1, 2]
    assert trainer.fit(loader, epochs=3)[-1]["epoch"] == 3


def test_the_schema_alone_checks_a_file_without_a_trainer(written):
    state = copy.deepcopy(written)
    state["epoch"] = "2"
    with pytest.raises(
        ConfigError, match=r"^somewhere\.pt: epoch is '2' \(str\), expected a whole"
    ):
        check_checkpoint(state, "somewhere.pt")


def test_a_checkpoint_that_does_not_fit_the_trainer_points_to_the_runs_own_settings(
    written, tmp_path
):
    path = save_checkpoint(written, tmp_path / "checkpoint.pt")
    trainer, _ = _trainer(width=5)  # the run was trained on 3 features
    with pytest.raises(ConfigError) as info:
        trainer.load_checkpoint(path)
    assert info.value.message == (
        f"{path} does not fit this model and optimiser: model['0.weight'] is a float32 tensor "
        "of shape (4, 3), expected shape (4, 5) (this model's)"
    )
    assert info.value.fix and "config.json" in info.value.fix
