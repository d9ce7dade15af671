"""Atomic checkpoints, and the one schema a checkpoint read back is checked against.

A crash mid-save never leaves a half-written file (:func:`save_checkpoint`);
a file is read with ``weights_only=True`` only (:func:`load_checkpoint`). What
it holds is checked before any of it is used (:func:`check_checkpoint`)
against what :meth:`Trainer.state_dict <d2lkit.train.Trainer.state_dict>`
writes: every field's type and range, and, given the trainer that will load
it, that it fits that trainer's model, optimiser, schedule and callbacks. A
field that does not is one :class:`~d2lkit.errors.ConfigError` naming the
file, the field, what was found and what was expected, raised before the
trainer changes, never a ``KeyError`` from deep inside ``load_state_dict``.
"""

from __future__ import annotations

import copy
import math
import os
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from d2lkit.atomic import atomic_path
from d2lkit.errors import ConfigError, D2lkitError

if TYPE_CHECKING:
    from d2lkit.train.trainer import Trainer

__all__ = ["REQUIRED_FIELDS", "check_checkpoint", "load_checkpoint", "save_checkpoint"]

# What every checkpoint holds (Trainer.state_dict); scheduler, scaler, examples_seen,
# train_loader, task and callbacks may be absent (older files) and are checked when present.
REQUIRED_FIELDS = ("model", "optimizer", "epoch", "step", "history", "rng")
_FIX = "restore the file from a copy, or start a new run (without --resume)"
_FIX_FIT = "resume with the settings the run was trained with (its config.json), or start a new run"


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``state`` to a temporary file beside ``path``, then rename it into place."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``: tensors and plain data, never code."""
    path = Path(path)
    if not path.is_file():
        raise D2lkitError(
            f"no checkpoint at {path}",
            fix="give the run directory of an earlier `d2lkit run`, or its checkpoint.pt",
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for a bad file
        raise D2lkitError(
            f"{path} is not a readable d2lkit checkpoint ({exc.__class__.__name__})",
            fix="it may be damaged or from another program; start a fresh run",
        ) from None


class _Bad(Exception):
    """One field that is not what the schema expects (turned into a ConfigError)."""

    def __init__(self, field: str, found: Any, expected: str) -> None:
        super().__init__(field)
        self.field, self.found, self.expected = field, found, expected


_MISSING = object()


class _Said(str):
    """A finding already put in words (shown as it is, not as a value)."""


def check_checkpoint(
    state: Any, source: str | os.PathLike[str], trainer: Trainer | None = None
) -> dict[str, Any]:
    """``state`` if it has the shape a checkpoint is written in; else one ConfigError.

    ``source`` names the file in the message. Without ``trainer`` the file is
    checked on its own (types, ranges, what each field holds); with it, also
    that it fits: the model's names and shapes, the optimiser's groups and the
    shapes of its state, the schedule's, scaler's and each callback's state.
    """
    try:
        _check_fields(state)
    except _Bad as bad:
        raise ConfigError(f"{source}: {_said(bad)}", fix=_FIX) from None
    if trainer is not None:
        try:
            _check_fits(state, trainer)
        except _Bad as bad:
            raise ConfigError(
                f"{source} does not fit this model and optimiser: {_said(bad)}", fix=_FIX_FIT
            ) from None
    return state


def _said(bad: _Bad) -> str:
    found = "missing" if bad.found is _MISSING else _shown(bad.found)
    return f"{bad.field} is {found}, expected {bad.expected}"


# --- the file on its own ---------------------------------------------------------------


def _check_fields(state: Any) -> None:
    if not isinstance(state, Mapping):
        raise _Bad("the whole file", state, "a dict of the training state (model, epoch ...)")
    for key in REQUIRED_FIELDS:
        if key not in state:
            raise _Bad(key, _MISSING, "a field of every d2lkit checkpoint")
    _tensors(state["model"], "model")
    _optimizer_shape(state["optimizer"])
    for key in ("scheduler", "scaler", "train_loader"):
        _mapping(state.get(key), key, none_ok=True)
    _mapping(state.get("task", {}), "task")
    callbacks = state.get("callbacks", {})
    if not isinstance(callbacks, list):  # a list: d2lkit 0.1's format, skipped with a warning
        for key, value in _mapping(callbacks, "callbacks").items():
            _mapping(value, f"callbacks[{key!r}]")
    epoch = _whole(state["epoch"], "epoch")
    _whole(state["step"], "step")
    if "examples_seen" in state:
        _whole(state["examples_seen"], "examples_seen")
    _history(state["history"], epoch)
    _rng(state["rng"])
    _loader(state.get("train_loader"))


def _mapping(value: Any, field: str, *, none_ok: bool = False) -> Mapping[str, Any]:
    if value is None and none_ok:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _Bad(field, value, "a dict with text keys" + (" (or None)" if none_ok else ""))
    return value


def _whole(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad(field, value, "a whole number, 0 or more")
    return value


def _tensors(value: Any, field: str) -> None:
    for key, tensor in _mapping(value, field).items():
        if not isinstance(tensor, torch.Tensor):
            raise _Bad(f"{field}[{key!r}]", tensor, "a tensor")


def _optimizer_shape(value: Any) -> None:
    optimizer = value if isinstance(value, Mapping) else {}
    if not isinstance(value, Mapping) or not isinstance(optimizer.get("state"), Mapping):
        raise _Bad("optimizer", value, "an optimiser's state_dict (state, param_groups)")
    for key, per_param in optimizer["state"].items():
        if not isinstance(per_param, Mapping):
            raise _Bad(f"optimizer.state[{key!r}]", per_param, "a dict")
    groups = optimizer.get("param_groups", _MISSING)
    if not isinstance(groups, list) or not groups:
        raise _Bad("optimizer.param_groups", groups, "a list of parameter groups")
    for i, group in enumerate(groups):
        params = group.get("params") if isinstance(group, Mapping) else None
        if not isinstance(params, list) or not all(_is_int(p) for p in params):
            raise _Bad(f"optimizer.param_groups[{i}]", group, "a dict with a list of params")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _history(value: Any, epochs: int) -> None:
    if not isinstance(value, list):
        raise _Bad("history", value, f"a list of {epochs} rows, one dict per epoch")
    for i, row in enumerate(value):
        field = f"history[{i}]"
        _mapping(row, field)
        if row.get("epoch", _MISSING) != i + 1:
            raise _Bad(f"{field}.epoch", row.get("epoch", _MISSING), f"{i + 1}")
        for key, figure in row.items():  # what metrics.csv and metrics.jsonl can hold
            if figure is not None and not isinstance(figure, bool | int | float | str):
                raise _Bad(f"{field}.{key}", figure, "a number, text, true/false or None")
        speed = [k for k in row if k.endswith("_per_sec")][:1] or ["examples_per_sec"]
        for key in ("lr", "train_time", "epoch_time", *speed):  # every row the Trainer writes
            if not _is_number(row.get(key)):
                raise _Bad(f"{field}.{key}", row.get(key, _MISSING), "a number")
    if len(value) != epochs:
        raise _Bad("history", value, f"{epochs} rows, one per epoch done (epoch is {epochs})")


def _rng(value: Any) -> None:
    """Each generator's state, tried on a throwaway generator of its kind."""
    rng = _mapping(value, "rng")
    for key in ("python", "numpy", "torch"):
        if key not in rng:
            raise _Bad(f"rng.{key}", _MISSING, "that generator's state")
    python, numpy = rng["python"], rng["numpy"]
    _tried(random.Random().setstate, python, "rng.python", "the state random.getstate() gives")
    _tried(_numpy_trial, numpy, "rng.numpy", "[name, 624 keys as a tensor, pos, gauss, cached]")
    _generator(rng["torch"], "rng.torch")
    cuda = rng.get("cuda", [])
    if not isinstance(cuda, list | tuple) or not all(_is_bytes(t) for t in cuda):
        raise _Bad("rng.cuda", cuda, "a list of uint8 tensors, one per GPU")


def _numpy_trial(state: Any) -> None:
    name, keys, pos, has_gauss, cached = state
    array = keys.cpu().numpy().astype(np.uint32)
    np.random.RandomState().set_state((name, array, pos, has_gauss, cached))


def _generator(value: Any, field: str) -> None:
    if not _is_bytes(value):
        raise _Bad(field, value, "a uint8 tensor (a torch.Generator's state)")
    _tried(torch.Generator().set_state, value.cpu(), field, "a torch.Generator's state")


def _is_bytes(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.dtype == torch.uint8 and value.dim() == 1


def _tried(setter: Callable[[Any], Any], value: Any, field: str, expected: str) -> None:
    """``value`` given to ``setter`` of a throwaway generator: the state is one it takes."""
    try:
        setter(value)
    except Exception:  # whatever the setter raises, the field is not a state it takes
        raise _Bad(field, value, expected) from None


def _loader(value: Any) -> None:
    """The loader state d2lkit's loaders write: a generator's state, a seed, an epoch."""
    if value is None:
        return
    _generator(value.get("generator", _MISSING), "train_loader.generator")
    seed = value.get("seed", 0)  # the seed of each epoch's order (TensorLoader)
    if not _is_int(seed):
        raise _Bad("train_loader.seed", seed, "a whole number")
    epoch = value.get("epoch")
    if epoch is not None and not _is_int(epoch):
        raise _Bad("train_loader.epoch", epoch, "a whole number or None")


# --- the file against the trainer that loads it --------------------------------------


def _check_fits(state: Mapping[str, Any], trainer: Trainer) -> None:
    _fits_model(state["model"], trainer.model.state_dict())
    _fits_optimizer(state["optimizer"], trainer.optimizer)
    for key, own in (("scheduler", trainer.scheduler), ("scaler", trainer.scaler)):
        if own is not None and state.get(key) is not None:
            _like(state[key], own.state_dict(), key, all_keys=False)
    saved = state.get("callbacks", {})
    if isinstance(saved, Mapping):
        for callback in trainer.callbacks:
            if callback.state_key in saved:
                _fits_callback(saved[callback.state_key], callback)


def _fits_model(saved: Mapping[str, torch.Tensor], own: Mapping[str, Any]) -> None:
    for key, tensor in own.items():
        if not isinstance(tensor, torch.Tensor) or _lazy(tensor):
            continue
        found: Any = saved.get(key, _MISSING)
        if found is _MISSING or found.shape != tensor.shape:
            raise _Bad(f"model[{key!r}]", found, f"shape {tuple(tensor.shape)} (this model's)")
    extra = [k for k in saved if k not in own]
    if extra:
        raise _Bad(f"model[{extra[0]!r}]", saved[extra[0]], "nothing: this model has no such entry")


def _lazy(tensor: torch.Tensor) -> bool:
    return bool(torch.nn.parameter.is_lazy(tensor))  # a lazy module's shape is not known yet


def _fits_optimizer(saved: Mapping[str, Any], optimizer: torch.optim.Optimizer) -> None:
    """Groups of the same sizes, hyperparameters of the same kinds, state of each shape."""
    groups, own = saved["param_groups"], optimizer.param_groups
    sizes, found = [len(g["params"]) for g in own], [len(g["params"]) for g in groups]
    if found != sizes:
        said = _Said(f"groups of {found} parameters")
        raise _Bad("optimizer.param_groups", said, f"groups of {sizes} (this model's)")
    shape_free = isinstance(optimizer, torch.optim.LBFGS)  # its state is flat, over all params
    for i, (group, mine) in enumerate(zip(groups, own, strict=True)):
        field = f"optimizer.param_groups[{i}]"
        settings = {k: v for k, v in mine.items() if k != "params"}
        for key, value in settings.items():  # flags get defaults from torch; numbers do not
            if _kind(value) in _HYPER and key != "initial_lr" and key not in group:
                raise _Bad(f"{field}.{key}", _MISSING, f"{_kind(value)} (like {_shown(value)})")
        hyper = {k: v for k, v in group.items() if k != "params"}
        _like(hyper, settings, field, all_keys=False)
        if shape_free:
            continue
        for index, param in zip(group["params"], mine["params"], strict=True):
            for name, value in saved["state"].get(index, {}).items():
                _param_state(value, f"optimizer.state[{index}].{name}", name, param.shape)


_HYPER = ("a number", "a whole number", "a list", "a tensor")  # an optimiser's hyperparameters

# What torch's and d2lkit's optimisers keep per parameter: buffers of the parameter's shape
# (momentum: None until the first step), a step count, and scalars of their own (NAdam, ASGD).
_BUFFERS = {
    "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg",
    "acc_delta", "sum", "grad_avg", "prev", "step_size", "ax",
}  # fmt: skip


def _param_state(value: Any, field: str, name: str, shape: torch.Size) -> None:
    """One value of an optimiser's per-parameter state, checked against its parameter."""
    expected = f"a tensor of shape {tuple(shape)} (its parameter's)"
    if name in _BUFFERS:
        if value is None and name == "momentum_buffer":
            return
        if not isinstance(value, torch.Tensor) or value.shape != shape:
            raise _Bad(field, value, expected)
    elif name == "step":
        count = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
        if not _is_number(count) or not 0 <= count < math.inf:
            raise _Bad(field, value, "a step count: a number, or a tensor of one, 0 or more")
    elif isinstance(value, torch.Tensor):
        if value.dim() and value.shape != shape:
            raise _Bad(field, value, f"a scalar, or {expected}")
    elif value is not None and not _is_number(value):
        raise _Bad(field, value, "a tensor, a number or None")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fits_callback(saved: Any, callback: Any) -> None:
    """Keys and kinds of the state the callback writes now; then tried on a shallow copy."""
    field = f"callbacks[{callback.state_key!r}]"
    _like(saved, callback.state_dict(), field, all_keys=True)
    rows = _ROWS.get(f"{type(callback).__module__}.{type(callback).__qualname__}")
    if rows is not None:
        _rows(saved.get("rows", []), f"{field}.rows", rows)
    try:
        copy.copy(callback).load_state_dict(saved)
    except Exception as exc:  # what a callback's own load raises is its business
        expected = f"a state {type(callback).__name__} can load ({type(exc).__name__}: {exc})"
        raise _Bad(field, saved, expected[:200]) from None


# Callbacks of d2lkit whose state holds rows (a fresh one holds none, so its own state
# cannot show their shape): the columns every row has, each a number.
_ROWS = {
    "d2lkit.train.callbacks.StepLogger": ("step", "examples", "epoch", "loss", "lr", "time"),
}


def _rows(value: Any, field: str, columns: Sequence[str]) -> None:
    if not isinstance(value, list):
        raise _Bad(field, value, "a list of rows")
    for i, row in enumerate(value):
        if not isinstance(row, Mapping) or set(row) != set(columns):
            raise _Bad(f"{field}[{i}]", row, f"a dict of {', '.join(columns)}")
        for column in columns:
            if not _is_number(row[column]):
                raise _Bad(f"{field}[{i}].{column}", row[column], "a number")


def _like(saved: Any, template: Any, field: str, *, all_keys: bool) -> None:
    """``saved`` of the same kind as ``template`` (None in the template takes anything)."""
    kind, found = _kind(template), _kind(saved)
    if kind not in ("any", found) and not (kind == "a number" and found == "a whole number"):
        raise _Bad(field, saved, f"{kind} (like {_shown(template)})")
    if kind == "a dict":
        for key, value in template.items():
            if key not in saved:
                if all_keys:
                    raise _Bad(f"{field}.{key}", _MISSING, _kind(value))
                continue
            _like(saved[key], value, f"{field}.{key}", all_keys=all_keys)
    elif kind == "a list" and template:
        if len(saved) != len(template):
            raise _Bad(field, saved, f"{len(template)} items (like {_shown(template)})")
        for i, (item, like) in enumerate(zip(saved, template, strict=True)):
            _like(item, like, f"{field}[{i}]", all_keys=all_keys)


def _kind(value: Any) -> str:
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, torch.Tensor):
        return "a tensor"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _shown(value: Any) -> str:
    """A value in a message: short, with its type; tensors by shape, never by content."""
    if isinstance(value, _Said):
        return str(value)
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).removeprefix('torch.')} tensor of shape {tuple(value.shape)}"
    if isinstance(value, Mapping):
        keys = ", ".join(map(repr, list(value)[:4])) + (", ..." if len(value) > 4 else "")
        return f"a dict with keys [{keys}]"
    text = repr(value)
    if isinstance(value, list | tuple) and len(text) > 60:
        return f"a {type(value).__name__} of {len(value)} item{'s' * (len(value) != 1)}"
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{text} ({type(value).__name__})"
