"""Run configuration: frozen dataclasses, type-checked ``section.key=value`` overrides.

A run is described by four sections::

    data.dataset=fashion-mnist data.batch_size=256 data.resize=None
    model.name=lenet_bn model.init=xavier_uniform model.<arg>=...   (the model's own arguments)
    optim.name=sgd optim.lr=0.9 optim.momentum=0 optim.weight_decay=0
    train.epochs=10 train.loss=cross_entropy train.seed=0 train.device=auto ...

``apply_overrides(config, ["optim.lr=0.5"])`` returns a new config; an unknown
key or a value of the wrong type is a :class:`ConfigError` naming the valid keys.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from d2lkit.errors import ConfigError, did_you_mean

__all__ = [
    "DataConfig",
    "ModelConfig",
    "OptimConfig",
    "RunConfig",
    "TrainConfig",
    "apply_overrides",
    "config_from_dict",
    "config_to_dict",
    "parse_value",
]


@dataclass(frozen=True)
class DataConfig:
    dataset: str = "fashion-mnist"
    batch_size: int = 256  # examples per optimiser step
    resize: int | None = None  # image side in pixels, None keeps 28x28
    eval_batch_size: int | None = None  # evaluation only (None: batch_size); results unchanged


@dataclass(frozen=True)
class ModelConfig:
    name: str = "softmax_regression"
    init: str | None = None  # see d2lkit.models.INITIALIZERS
    kwargs: dict[str, Any] = field(default_factory=dict)  # the entry function's arguments


@dataclass(frozen=True)
class OptimConfig:
    name: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    loss: str = "cross_entropy"
    seed: int = 0
    device: str = "auto"
    grad_clip: float | None = None  # max global gradient norm
    amp: bool = False
    compile: bool = False


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> RunConfig:
        """Reject values no run can use, with the setting's name in the message."""
        checks = [
            (self.train.epochs >= 1, "train.epochs", self.train.epochs, "at least 1"),
            (self.data.batch_size >= 1, "data.batch_size", self.data.batch_size, "at least 1"),
            (
                self.data.eval_batch_size is None or self.data.eval_batch_size >= 1,
                "data.eval_batch_size",
                self.data.eval_batch_size,
                "at least 1",
            ),
            (self.optim.lr > 0, "optim.lr", self.optim.lr, "positive"),
            (self.optim.momentum >= 0, "optim.momentum", self.optim.momentum, "0 or more"),
            (
                self.optim.weight_decay >= 0,
                "optim.weight_decay",
                self.optim.weight_decay,
                "0 or more",
            ),
            (
                self.data.resize is None or self.data.resize >= 1,
                "data.resize",
                self.data.resize,
                "a positive number of pixels",
            ),
            (
                self.train.grad_clip is None or self.train.grad_clip > 0,
                "train.grad_clip",
                self.train.grad_clip,
                "positive",
            ),
        ]
        for ok, key, value, need in checks:
            if not ok:
                raise ConfigError(
                    f"{key} = {value!r} is not allowed: it must be {need}",
                    fix=f"pass a valid value, e.g. --set {key}=...",
                )
        return self


_SECTIONS = {f.name: f.type for f in dataclasses.fields(RunConfig)}


def parse_value(text: str, annotation: Any, key: str) -> Any:
    """Convert command-line text to ``annotation`` (int, float, bool, str, X | None, tuple)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if text.lower() in ("none", "null") and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return parse_value(text, arg, key)
            except ConfigError:
                continue
        raise ConfigError(f"{key}={text!r}: expected {annotation}", fix="check the value's type")
    if origin in (tuple, list, collections.abc.Sequence) or annotation in (tuple, list):
        item = args[0] if args else str
        return tuple(parse_value(part.strip(), item, key) for part in text.split(",") if part)
    if annotation is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key}={text!r}: expected true or false", fix=f"use {key}=true")
    if annotation in (int, float):
        try:
            return annotation(text)
        except ValueError:
            raise ConfigError(
                f"{key}={text!r}: expected {annotation.__name__}",
                fix=f"give a number, e.g. {key}=1",
            ) from None
    if annotation is str or annotation is Any or annotation is inspect.Parameter.empty:
        return text
    raise ConfigError(f"{key}: values of type {annotation} cannot be set from the command line")


def _model_arg_type(model_name: str, arg: str, key: str) -> Any:
    from d2lkit.models import model_entry

    params = inspect.signature(model_entry(model_name)).parameters
    if arg not in params:
        raise ConfigError(
            f"unknown setting {key!r}: model {model_name!r} takes no argument {arg!r}",
            fix=f"its arguments are: {', '.join(params) or 'none'}",
        )
    param = params[arg]
    hints = typing.get_type_hints(model_entry(model_name))
    if arg in hints:
        return hints[arg]
    return type(param.default) if param.default is not inspect.Parameter.empty else str


def _valid_keys(config: RunConfig) -> list[str]:
    keys = []
    for section in _SECTIONS:
        for f in dataclasses.fields(getattr(config, section)):
            if f.name != "kwargs":
                keys.append(f"{section}.{f.name}")
    keys.append("model.<argument of the model>")
    return keys


def apply_overrides(config: RunConfig, overrides: list[str] | tuple[str, ...]) -> RunConfig:
    """Apply ``section.key=value`` strings to a config; return the new config."""
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        section, dot, name = key.partition(".")
        if not sep or not dot:
            raise ConfigError(
                f"cannot read override {item!r}",
                fix="write it as section.key=value, e.g. --set optim.lr=0.5",
            )
        if section not in _SECTIONS:
            raise ConfigError(
                f"unknown setting {key!r}",
                fix=f"{did_you_mean(key, _valid_keys(config))}sections are: {', '.join(_SECTIONS)}",
            )
        part = getattr(config, section)
        hints = typing.get_type_hints(type(part))
        if name in hints and name != "kwargs":
            value = parse_value(text.strip(), hints[name], key)
            part = dataclasses.replace(part, **{name: value})
        elif section == "model":
            value = parse_value(text.strip(), _model_arg_type(config.model.name, name, key), key)
            part = dataclasses.replace(part, kwargs={**part.kwargs, name: value})
        else:
            valid = _valid_keys(config)
            raise ConfigError(
                f"unknown setting {key!r}",
                fix=f"{did_you_mean(key, valid)}valid keys: {', '.join(valid)}",
            )
        config = dataclasses.replace(config, **{section: part})
    return config


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """A JSON-ready dict (tuples become lists)."""
    return dataclasses.asdict(config)


def config_from_dict(data: dict[str, Any]) -> RunConfig:
    """The inverse of :func:`config_to_dict` (for resuming a saved run)."""
    sections = {}
    for section, cls in ((f.name, f.default_factory) for f in dataclasses.fields(RunConfig)):
        values = dict(data.get(section, {}))
        if section == "model":
            values["kwargs"] = {
                k: tuple(v) if isinstance(v, list) else v
                for k, v in values.get("kwargs", {}).items()
            }
        sections[section] = cls(**values)  # type: ignore[operator]
    return RunConfig(**sections)
