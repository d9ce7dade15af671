"""Run configuration: frozen dataclasses, type-checked ``section.key=value`` overrides.

A run is described by five sections::

    data.dataset=fashion-mnist data.batch_size=256 data.resize=None data.<arg>=...
    data.limit_batches=2                                            (smoke runs: a few batches)
    model.name=lenet_bn model.init=xavier_uniform model.<arg>=...   (the model's own arguments)
    optim.name=sgd optim.lr=0.9 optim.momentum=0 optim.weight_decay=0 ...
    sched.name=cosine sched.interval=epoch sched.warmup=2 ...       (none by default)
    train.epochs=10 train.loss=cross_entropy train.task=classification train.seed=0 ...

``data.<arg>`` and ``model.<arg>`` are the keyword arguments of the data set's
builder and of the model's entry function, typed from their signatures.

``apply_overrides(config, ["optim.lr=0.5"])`` returns a new config; an unknown
key or a value of the wrong type is a :class:`ConfigError` naming the valid keys.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import math
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
    "SchedConfig",
    "TrainConfig",
    "apply_overrides",
    "config_from_dict",
    "config_to_dict",
    "parse_value",
    "settings",
]


@dataclass(frozen=True)
class DataConfig:
    dataset: str = "fashion-mnist"
    batch_size: int = 256  # examples per optimiser step
    resize: int | None = None  # image side in pixels, None keeps 28x28
    eval_batch_size: int | None = None  # evaluation only (None: batch_size); results unchanged
    limit_batches: int | None = None  # smoke runs: only the first N batches of every split
    kwargs: dict[str, Any] = field(default_factory=dict)  # the data builder's own arguments


@dataclass(frozen=True)
class ModelConfig:
    name: str = "softmax_regression"
    init: str | None = None  # see d2lkit.models.INITIALIZERS
    whiten: bool = False  # first conv = whitened training patches, frozen (whiten_first_conv)
    kwargs: dict[str, Any] = field(default_factory=dict)  # the entry function's arguments


@dataclass(frozen=True)
class OptimConfig:
    name: str = "sgd"  # see d2lkit.experiments.components.OPTIMIZERS
    lr: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0
    beta1: float = 0.9  # Adam's first-moment decay
    beta2: float = 0.999  # Adam's second-moment decay
    alpha: float = 0.99  # RMSProp's smoothing of squared gradients (the book's gamma)
    rho: float = 0.9  # AdaDelta's decay (the book's rho)
    eps: float | None = None  # None: each optimiser's own default
    nesterov: bool = False  # sgd: Nesterov momentum


@dataclass(frozen=True)
class SchedConfig:
    name: str | None = None  # see d2lkit.train.SCHEDULES; None keeps the lr constant
    interval: str = "epoch"  # "epoch" or "step": the unit of every count below
    factor: float = 0.1  # factor / multifactor: lr multiplier
    step_size: int = 1  # factor: intervals between multiplications
    milestones: tuple[int, ...] = ()  # multifactor: where the lr is multiplied
    warmup: int = 0  # cosine: intervals of linear warm-up
    final_lr: float = 0.0  # cosine: the lr reached at the end
    max_lr: float | None = None  # onecycle: the peak (None: optim.lr)
    stop_lr: float = 1e-7  # factor_scratch: the floor
    total: int | None = None  # intervals the schedule spans (None: the whole run; 11.11's
    # cosine spans 20 of 30 epochs, then holds final_lr)
    lag: int = 0  # *_scratch: intervals at the optimiser's lr before the schedule starts (the
    # book's 11.11 loop sets epoch e's rate after epoch e - 1: lag 1)
    start_lr: float | None = None  # square_root_scratch: the schedule's own lr (None: optim.lr)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    loss: str = "cross_entropy"  # see d2lkit.experiments.components.LOSSES
    task: str = "classification"  # see d2lkit.train.TASKS
    seed: int = 0
    device: str = "auto"
    grad_clip: float | None = None  # max global gradient norm
    amp: bool = False
    amp_dtype: str | None = (
        None  # with amp: "bfloat16" or "float16" (None: fp16 on CUDA, else bf16)
    )
    # model and image batches in NHWC memory format: true, false, or "auto" (NHWC on a
    # CPU for images of 64 px or more a side; see d2lkit.train.memory_format)
    channels_last: bool | str = "auto"
    compile: bool = False
    nonfinite: str = "stop"  # a NaN/Inf loss: "stop" with a message, or "skip" the batch
    log_every: int | None = None  # examples between rows of steps.csv (None: no steps.csv)
    # seq2seq only: what is backpropagated, "token_mean" (the default) or "sequence_sum"
    # (d2l 9.7: each sequence's loss averaged over num_steps, summed; see train.Seq2Seq)
    loss_reduction: str | None = None


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    sched: SchedConfig = field(default_factory=SchedConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> RunConfig:
        """Reject values no run can use, with the setting's name in the message."""
        for section, key, value in settings(self):
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(
                    f"{section}.{key} = {value!r} is not allowed: it must be a finite number",
                    fix=f"pass a finite value, e.g. --set {section}.{key}=0.1",
                )
        d, o, t, sc = self.data, self.optim, self.train, self.sched
        checks = [
            (t.epochs >= 1, "train.epochs", t.epochs, "at least 1"),
            (d.batch_size >= 1, "data.batch_size", d.batch_size, "at least 1"),
            (
                _none_or(d.eval_batch_size, 1),
                "data.eval_batch_size",
                d.eval_batch_size,
                "at least 1",
            ),
            (o.lr > 0, "optim.lr", o.lr, "positive"),
            (o.momentum >= 0, "optim.momentum", o.momentum, "0 or more"),
            (o.weight_decay >= 0, "optim.weight_decay", o.weight_decay, "0 or more"),
            (0 <= o.beta1 < 1, "optim.beta1", o.beta1, "in [0, 1)"),
            (0 <= o.beta2 < 1, "optim.beta2", o.beta2, "in [0, 1)"),
            (0 <= o.rho < 1, "optim.rho", o.rho, "in [0, 1)"),
            (0 <= o.alpha < 1, "optim.alpha", o.alpha, "in [0, 1)"),
            (o.eps is None or o.eps > 0, "optim.eps", o.eps, "positive"),
            (_none_or(d.limit_batches, 1), "data.limit_batches", d.limit_batches, "at least 1"),
            (_none_or(d.resize, 1), "data.resize", d.resize, "a positive number of pixels"),
            (t.grad_clip is None or t.grad_clip > 0, "train.grad_clip", t.grad_clip, "positive"),
            (0 <= t.seed < 2**32, "train.seed", t.seed, "between 0 and 2**32 - 1"),
            (t.nonfinite in ("stop", "skip"), "train.nonfinite", t.nonfinite, "stop or skip"),
            (
                t.amp_dtype in (None, "bfloat16", "float16"),
                "train.amp_dtype",
                t.amp_dtype,
                "bfloat16, float16 or none",
            ),
            (
                t.channels_last in (True, False, "auto"),
                "train.channels_last",
                t.channels_last,
                "true, false or auto",
            ),
            (_none_or(t.log_every, 1), "train.log_every", t.log_every, "at least 1 example"),
            (sc.interval in ("epoch", "step"), "sched.interval", sc.interval, "epoch or step"),
            (sc.step_size >= 1, "sched.step_size", sc.step_size, "at least 1"),
            (sc.warmup >= 0, "sched.warmup", sc.warmup, "0 or more"),
            (sc.lag >= 0, "sched.lag", sc.lag, "0 or more"),
            (_none_or(sc.total, 1), "sched.total", sc.total, "at least 1"),
        ]
        for ok, key, value, need in checks:
            if not ok:
                raise ConfigError(
                    f"{key} = {value!r} is not allowed: it must be {need}",
                    fix=f"pass a valid value, e.g. --set {key}=...",
                )
        if t.loss_reduction is not None and t.task != "seq2seq":
            raise ConfigError(
                f"train.loss_reduction = {t.loss_reduction!r} applies to the seq2seq task only, "
                f"and this run's task is {t.task}",
                fix="leave train.loss_reduction unset (drop its --set)",
            )
        return self


def _none_or(value: int | None, low: int) -> bool:
    return value is None or value >= low


def settings(config: RunConfig) -> list[tuple[str, str, Any]]:
    """Every (section, key, value) of a config, the model's and data's arguments included.

    Each ``section.key`` is a valid ``--set`` key (``d2lkit show`` prints them).
    """
    found = []
    for section in _SECTIONS:
        part = getattr(config, section)
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            items = value.items() if f.name == "kwargs" else [(f.name, value)]
            found += [(section, k, v) for k, v in items]
    return found


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


def _arg_type(fn: Any, what: str, arg: str, key: str) -> Any:
    """The type of argument ``arg`` of an entry function, from its hints or default."""
    params = inspect.signature(fn).parameters
    if arg not in params:
        raise ConfigError(
            f"unknown setting {key!r}: {what} takes no argument {arg!r}",
            fix=f"its arguments are: {', '.join(params) or 'none'}",
        )
    param = params[arg]
    hints = typing.get_type_hints(fn)
    if arg in hints:
        return hints[arg]
    return type(param.default) if param.default is not inspect.Parameter.empty else str


def _kwarg_type(config: RunConfig, section: str, arg: str, key: str) -> Any:
    if section == "model":
        from d2lkit.models import model_entry

        return _arg_type(model_entry(config.model.name), f"model {config.model.name!r}", arg, key)
    from d2lkit.experiments.components import DATA

    builder = DATA.get(config.data.dataset)
    return _arg_type(builder, f"data set {config.data.dataset!r}", arg, key)


def _valid_keys(config: RunConfig) -> list[str]:
    keys = []
    for section in _SECTIONS:
        for f in dataclasses.fields(getattr(config, section)):
            if f.name != "kwargs":
                keys.append(f"{section}.{f.name}")
    keys += ["data.<argument of the data set>", "model.<argument of the model>"]
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
        elif section in ("model", "data"):
            value = parse_value(text.strip(), _kwarg_type(config, section, name, key), key)
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


def _tuples(value: Any) -> Any:
    """JSON gives lists where a config holds tuples."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def config_from_dict(data: dict[str, Any]) -> RunConfig:
    """The inverse of :func:`config_to_dict` (for resuming a saved run)."""
    sections = {}
    for section, cls in ((f.name, f.default_factory) for f in dataclasses.fields(RunConfig)):
        values = {k: _tuples(v) for k, v in data.get(section, {}).items()}
        sections[section] = cls(**values)  # type: ignore[operator]
    return RunConfig(**sections)
