"""Run configuration: frozen dataclasses, type-checked ``section.key=value`` overrides.

A run is described by six sections::

    data.dataset=fashion-mnist data.batch_size=256 data.resize=None data.<arg>=...
    data.limit_batches=2                                            (smoke runs: a few batches)
    model.name=lenet_bn model.init=xavier_uniform model.<arg>=...   (the model's own arguments)
    task.name=classification task.<arg>=...                         (topk, l2, reduction ...)
    optim.name=sgd optim.lr=0.9 optim.momentum=0 optim.weight_decay=0 ...
    sched.name=cosine sched.interval=epoch sched.<arg>=...          (none by default)
    train.epochs=10 train.loss=cross_entropy train.seed=0 ...

``data.<arg>``, ``model.<arg>``, ``task.<arg>`` and ``sched.<arg>`` are the keyword
arguments of the data set's builder, the model's entry function, the task and the
schedule, typed from their signatures (each default is written once, there).

``apply_overrides(config, ["optim.lr=0.5"])`` returns a new config; an unknown
key or a value of the wrong type is a :class:`ConfigError` naming the valid keys.
:func:`config_from_dict` reads a saved config back with the same types checked.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import inspect
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d2lkit.entries import Argument, Entry, read_entries
from d2lkit.errors import ConfigError, did_you_mean

__all__ = [
    "DataConfig",
    "ModelConfig",
    "OptimConfig",
    "RunConfig",
    "SchedConfig",
    "TaskConfig",
    "TrainConfig",
    "apply_overrides",
    "check_entry_arguments",
    "config_from_dict",
    "config_to_dict",
    "data_files",
    "entry_of",
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
class TaskConfig:
    name: str = "classification"  # what a batch means; see d2lkit.train.TASKS
    kwargs: dict[str, Any] = field(default_factory=dict)  # the task's own settings (topk, l2 ...)


@dataclass(frozen=True)
class OptimConfig:
    name: str = "sgd"  # see d2lkit.experiments.builders.optimizers.OPTIMIZERS
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
    interval: str = "epoch"  # "epoch" or "step": the unit of every count of the schedule
    total: int | None = None  # intervals the schedule spans (None: the whole run; 11.11's
    # cosine spans 20 of 30 epochs, then holds its final lr)
    kwargs: dict[str, Any] = field(default_factory=dict)  # the schedule's own settings


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    loss: str = "cross_entropy"  # see d2lkit.experiments.builders.losses.LOSSES
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
    # a loss that blows up yet stays finite (10x the untrained model's): "warn" once, "stop"
    # the run, or "off" (see d2lkit.train.divergence)
    divergence: str = "warn"
    # intra-op CPU threads: "auto" (the cores free now, and 1 when the step does not gain
    # from more: see d2lkit.train.threads) or a number. Exact figures depend on it.
    threads: int | str = "auto"
    logger: str | None = None  # also log to "tensorboard" (event files in the run folder)


# (ok, key, value, what it must be): the ranges every run is checked against
_Check = tuple[bool, str, Any, str]


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
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
        for ok, key, value, need in self._checks():
            if not ok:
                raise ConfigError(
                    f"{key} = {value!r} is not allowed: it must be {need}",
                    fix=f"pass a valid value, e.g. --set {key}=...",
                )
        return self

    def _checks(self) -> list[_Check]:
        return [
            *_data_checks(self.data),
            *_optim_checks(self.optim),
            *_train_checks(self.train),
            *_sched_checks(self.sched),
        ]


def _data_checks(d: DataConfig) -> list[_Check]:
    return [
        (1 <= d.batch_size <= 2**31, "data.batch_size", d.batch_size, "at least 1"),
        (_none_or(d.eval_batch_size, 1), "data.eval_batch_size", d.eval_batch_size, ">= 1"),
        (_none_or(d.limit_batches, 1), "data.limit_batches", d.limit_batches, "at least 1"),
        (_none_or(d.resize, 1), "data.resize", d.resize, "a positive number of pixels"),
    ]


def _optim_checks(o: OptimConfig) -> list[_Check]:
    return [
        (o.lr > 0, "optim.lr", o.lr, "positive"),
        (o.momentum >= 0, "optim.momentum", o.momentum, "0 or more"),
        (o.weight_decay >= 0, "optim.weight_decay", o.weight_decay, "0 or more"),
        (0 <= o.beta1 < 1, "optim.beta1", o.beta1, "in [0, 1)"),
        (0 <= o.beta2 < 1, "optim.beta2", o.beta2, "in [0, 1)"),
        (0 <= o.rho < 1, "optim.rho", o.rho, "in [0, 1)"),
        (0 <= o.alpha < 1, "optim.alpha", o.alpha, "in [0, 1)"),
        (o.eps is None or o.eps > 0, "optim.eps", o.eps, "positive"),
    ]


def _train_checks(t: TrainConfig) -> list[_Check]:
    return [
        (1 <= t.epochs <= 10**7, "train.epochs", t.epochs, "between 1 and 10,000,000"),
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
        (t.logger in (None, "tensorboard"), "train.logger", t.logger, "tensorboard or none"),
        (
            t.threads == "auto" or (isinstance(t.threads, int) and 1 <= t.threads <= 1024),
            "train.threads",
            t.threads,
            "auto or a whole number from 1 to 1024",
        ),
        (
            t.divergence in ("off", "warn", "stop"),
            "train.divergence",
            t.divergence,
            "off, warn or stop",
        ),
    ]


def _sched_checks(sc: SchedConfig) -> list[_Check]:
    own = sc.kwargs
    return [
        (sc.interval in ("epoch", "step"), "sched.interval", sc.interval, "epoch or step"),
        (_none_or(sc.total, 1), "sched.total", sc.total, "at least 1"),
        (_none_or(own.get("step_size"), 1), "sched.step_size", own.get("step_size"), "1+"),
        (_none_or(own.get("warmup"), 0), "sched.warmup", own.get("warmup"), "0 or more"),
        (_none_or(own.get("lag"), 0), "sched.lag", own.get("lag"), "0 or more"),
    ]


def _none_or(value: int | None, low: int) -> bool:
    return value is None or value >= low


def settings(config: RunConfig) -> list[tuple[str, str, Any]]:
    """Every (section, key, value) of a config, the entries' own arguments included.

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


# --- the sections whose keys are an entry's own arguments ------------------------------

_Entry = Callable[..., Any]


def _model_entry(config: RunConfig) -> tuple[str, _Entry]:
    from d2lkit.models import model_entry

    return f"model {config.model.name!r}", model_entry(config.model.name)


def _data_entry(config: RunConfig) -> tuple[str, _Entry]:
    from d2lkit.experiments.builders.data import DATA

    return f"data set {config.data.dataset!r}", DATA.get(config.data.dataset).build


def _task_entry(config: RunConfig) -> tuple[str, _Entry]:
    from d2lkit.train.tasks import TASKS

    return f"task {config.task.name!r}", TASKS.get(config.task.name)


def _sched_entry(config: RunConfig) -> tuple[str, _Entry]:
    if config.sched.name is None:
        raise ConfigError(
            "the sched.* settings belong to a schedule, and this run has none",
            fix="choose one first, e.g. --set sched.name=cosine",
        )
    from d2lkit.train.schedules import SCHEDULES

    return f"schedule {config.sched.name!r}", SCHEDULES.get(config.sched.name)


_ENTRIES: dict[str, Callable[[RunConfig], tuple[str, _Entry]]] = {
    "model": _model_entry,
    "data": _data_entry,
    "task": _task_entry,
    "sched": _sched_entry,
}
# Arguments the runner passes itself (not settings): the data builder's and the schedule's.
_PASSED = {"data": ("config", "device", "seed", "root"), "sched": ("optimizer", "total")}


def entry_of(config: RunConfig, section: str) -> tuple[str, _Entry]:
    """What a section's own arguments belong to: ``("model 'lenet'", the entry function)``."""
    return _ENTRIES[section](config)


def entry_arguments(config: RunConfig, section: str) -> list[Argument]:
    """The settable arguments of a section's entry (``d2lkit show`` lists their defaults).

    Read from the entry's source (no torch: ``show`` answers at once); an entry
    registered at run time, with no source in d2lkit, is asked with ``inspect``.
    """
    name = {
        "model": config.model.name,
        "data": config.data.dataset,
        "task": config.task.name,
        "sched": config.sched.name,
    }[section]
    if section == "sched" and name is None:
        entry_of(config, section)  # the error that says to choose a schedule first
    found = _entries_in_source(section).get(str(name))
    if found is None:
        return [Argument.of(p) for p in _inspected(config, section)]
    return [
        a
        for a in found.arguments
        if not a.kind.startswith("VAR_") and a.name not in _PASSED.get(section, ())
    ]


_PACKAGE = Path(__file__).resolve().parents[1]  # src/d2lkit, found without importing train/
_REGISTRARS = {  # section -> (the modules that register its entries, the decorator)
    "model": ("models/*.py", "register_model"),
    "data": ("experiments/builders/*.py", "register_data"),
    "task": ("train/*.py", "register_task"),
    "sched": ("train/schedules.py", "SCHEDULES.register"),
}


@functools.cache
def _entries_in_source(section: str) -> dict[str, Entry]:
    pattern, registrar = _REGISTRARS[section]
    return read_entries(sorted(_PACKAGE.glob(pattern)), registrar)


def data_files(dataset: str) -> str | None:
    """The store's data set a recipes' data set reads, from its registration (no torch).

    None for a synthetic one, or one registered at run time (its files are then
    fetched when the run is built).
    """
    entry = _entries_in_source("data").get(dataset)
    files = None if entry is None else entry.option("files")
    return files if isinstance(files, str) else None


def _inspected(config: RunConfig, section: str) -> list[inspect.Parameter]:
    _, fn = entry_of(config, section)
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in skip and p.name not in _PASSED.get(section, ()) and p.name != "self"
    ]


def _arg_type(config: RunConfig, section: str, arg: str, key: str) -> Any:
    """The type of argument ``arg`` of a section's entry, from its hints or its default."""
    what, fn = entry_of(config, section)
    params = {p.name: p for p in _inspected(config, section)}
    if arg not in params:
        raise ConfigError(
            f"unknown setting {key!r}: {what} takes no argument {arg!r}",
            fix=f"{did_you_mean(arg, params)}its arguments are: {', '.join(params) or 'none'}",
        )
    target = fn.__init__ if inspect.isclass(fn) else fn
    hints = typing.get_type_hints(target)
    if arg in hints:
        return hints[arg]
    default = params[arg].default
    return type(default) if default is not inspect.Parameter.empty else str


def check_entry_arguments(config: RunConfig) -> RunConfig:
    """``config`` if every entry argument it holds is one its entry takes, of its type.

    ``--set`` checks each as it is parsed; a config read back from a file, or
    made in code, is checked here before anything is built.
    """
    for section in _ENTRIES:
        kwargs = getattr(config, section).kwargs
        for name, value in kwargs.items():
            key = f"{section}.{name}"
            annotation = _arg_type(config, section, name, key)
            if _checkable(annotation):
                _checked(value, annotation, key)
    return config


def _checkable(annotation: Any) -> bool:
    """Whether :func:`_checked` knows every part of ``annotation`` (else the value is kept)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType, tuple, collections.abc.Sequence):
        return all(_checkable(a) for a in args if a is not Ellipsis)
    return annotation in (int, float, bool, str, dict, tuple, type(None), Any) or origin is dict


def _valid_keys(config: RunConfig) -> list[str]:
    keys = []
    for section in _SECTIONS:
        for f in dataclasses.fields(getattr(config, section)):
            if f.name != "kwargs":
                keys.append(f"{section}.{f.name}")
    keys += [f"{section}.<argument of its {section}>" for section in _ENTRIES]
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
            raise _unknown_key(key, config)
        part = getattr(config, section)
        hints = typing.get_type_hints(type(part))
        if name in hints and name != "kwargs":
            value = parse_value(text.strip(), hints[name], key)
            part = dataclasses.replace(part, **{name: value})
        elif section in _ENTRIES:
            value = parse_value(text.strip(), _arg_type(config, section, name, key), key)
            part = dataclasses.replace(part, kwargs={**part.kwargs, name: value})
        else:
            raise _unknown_key(key, config)
        config = dataclasses.replace(config, **{section: part})
    return config


def _unknown_key(key: str, config: RunConfig) -> ConfigError:
    if key in _MOVED:
        return ConfigError(f"unknown setting {key!r}", fix=f"it is now {_MOVED[key]}")
    valid = _valid_keys(config)
    return ConfigError(
        f"unknown setting {key!r}", fix=f"{did_you_mean(key, valid)}valid keys: {', '.join(valid)}"
    )


# Keys of earlier versions and where they live now (saved configs are read through this too).
_MOVED = {
    "train.task": "task.name",
    "train.loss_reduction": "task.reduction",
    "data.lambd": "task.l2 (with task.name=penalised_regression)",
    "data.l1": "task.l1 (with task.name=penalised_regression)",
}


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """A JSON-ready dict (tuples become lists)."""
    return dataclasses.asdict(config)


def _migrated(data: Mapping[str, Any]) -> dict[str, Any]:
    """A saved config of an earlier version in today's sections (train.task -> task.name ...)."""
    sections = {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}
    train = sections.get("train")
    if isinstance(train, dict) and "task" in train and "task" not in sections:
        task: dict[str, Any] = {"name": train.pop("task"), "kwargs": {}}
        if train.get("loss_reduction") is not None:
            task["kwargs"]["reduction"] = train["loss_reduction"]
        train.pop("loss_reduction", None)
        data_kwargs = dict(sections.get("data", {}).get("kwargs", {}))
        for old, new in (("lambd", "l2"), ("l1", "l1")):
            if old in data_kwargs and task["name"] == "penalised_regression":
                task["kwargs"][new] = data_kwargs.pop(old)
        if "data" in sections:
            sections["data"]["kwargs"] = data_kwargs
        sections["task"] = task
    sched = sections.get("sched")
    if isinstance(sched, dict) and "kwargs" not in sched:
        own = ("name", "interval", "total")
        sections["sched"] = {
            **{k: v for k, v in sched.items() if k in own},
            "kwargs": {k: v for k, v in sched.items() if k not in own},
        }
    return sections


def config_from_dict(data: Mapping[str, Any]) -> RunConfig:
    """The inverse of :func:`config_to_dict`: every section and value checked against its type.

    A wrong type (``"lr": "0.1"``), an unknown key or a section that is not a
    mapping is a :class:`ConfigError` naming the field, what was found and what
    was expected. Earlier versions' keys are moved to where they live now.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"the config is a {type(data).__name__}, not a mapping of sections",
            fix=f"write it as {{section: {{key: value}}}} with sections {', '.join(_SECTIONS)}, "
            "or start a new run",
        )
    data = _migrated(data)
    unknown = [k for k in data if k not in _SECTIONS]
    if unknown:
        raise ConfigError(
            f"unknown config section {unknown[0]!r}", fix=f"sections are: {', '.join(_SECTIONS)}"
        )
    sections = {}
    for f in dataclasses.fields(RunConfig):
        cls = f.default_factory
        values = data.get(f.name, {})
        if not isinstance(values, Mapping):
            raise ConfigError(
                f"config section {f.name!r} is a {type(values).__name__}, not a mapping",
                fix=f"write it as {{key: value}} (`d2lkit show RECIPE` lists the {f.name} keys), "
                "or start a new run",
            )
        sections[f.name] = _section_from_dict(cls, f.name, values)  # type: ignore[arg-type]
    return RunConfig(**sections)


def _section_from_dict(cls: type, section: str, values: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    checked = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(
                f"unknown config key {section}.{key}",
                fix=f"{did_you_mean(key, hints)}{section} keys are: {', '.join(hints)}",
            )
        checked[key] = _checked(value, hints[key], f"{section}.{key}")
    return cls(**checked)


def _checked(value: Any, annotation: Any, key: str) -> Any:
    """``value`` as ``annotation`` (lists become tuples), or a ConfigError naming ``key``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            try:
                return _checked(value, arg, key)
            except ConfigError:
                continue
    elif annotation is type(None):
        if value is None:
            return None
    elif origin is dict or annotation is dict:
        if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
            return {k: _tuples(v) for k, v in value.items()}
    elif origin in (tuple, collections.abc.Sequence) or annotation is tuple:
        if isinstance(value, list | tuple):
            item = args[0] if args else Any
            return tuple(_checked(v, item, key) for v in value)
    elif annotation is Any:
        return _tuples(value)
    elif annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation in (bool, str) and isinstance(value, annotation):
        return value
    shown = getattr(annotation, "__name__", None) or str(annotation)
    raise ConfigError(
        f"{key} is {value!r} ({type(value).__name__}), expected {shown}",
        fix="correct or remove that key, or start a new run",
    )


def _tuples(value: Any) -> Any:
    """JSON gives lists where a config holds tuples."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value
