"""Registered entries read from their source: what a name takes, without importing it.

``d2lkit show`` prints the arguments and defaults of a recipe's model, data
set, task and schedule. Their modules import torch, which costs seconds;
reading the same ``def`` lines with :mod:`ast` costs milliseconds. An entry is
found by how it registers itself:

- ``@register_model`` on a function: the entry's name is the function's;
- ``@register_data("fashion-mnist", ...)``, ``@register_task("seq2seq")``,
  ``@SCHEDULES.register("cosine")``: the decorator's first argument names it.

A class's arguments are those of its ``__init__`` (``self`` left out). Tests
check every reading against ``inspect.signature`` of the imported entry, so it
cannot go stale.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Argument", "Entry", "read_entries"]


@dataclass(frozen=True)
class Argument:
    """One parameter of an entry as the source writes it.

    Attributes:
        name: the parameter's name.
        kind: as ``inspect.Parameter.kind.name``: ``POSITIONAL_OR_KEYWORD``,
            ``KEYWORD_ONLY``, ``POSITIONAL_ONLY``, ``VAR_POSITIONAL`` or ``VAR_KEYWORD``.
        default_source: the default's source text (``"(256,)"``); None when required.
        annotation: the annotation's source text, "" when there is none.
    """

    name: str
    kind: str
    default_source: str | None
    annotation: str = ""

    @classmethod
    def of(cls, parameter: inspect.Parameter) -> Argument:
        """The same description of a parameter that ``inspect`` found (an entry without source)."""
        default = None if parameter.default is parameter.empty else repr(parameter.default)
        annotation = "" if parameter.annotation is parameter.empty else str(parameter.annotation)
        return cls(parameter.name, parameter.kind.name, default, annotation)

    @property
    def required(self) -> bool:
        """True when a caller must pass it (no default, not ``*args``/``**kwargs``)."""
        return self.default_source is None and not self.kind.startswith("VAR_")

    @property
    def default(self) -> object:
        """The default's value; a default that is not a literal is a ValueError."""
        if self.default_source is None:
            raise ValueError(f"argument {self.name!r} has no default")
        try:
            return ast.literal_eval(self.default_source)
        except ValueError:
            raise ValueError(
                f"the default of {self.name!r} is not a literal: {self.default_source}"
            ) from None


@dataclass(frozen=True)
class Entry:
    """A registered entry: its name, the module that defines it, its arguments, its doc."""

    name: str
    module: str  # the file's stem, e.g. "cnn"
    arguments: tuple[Argument, ...]
    doc: str  # the docstring's first line, "" when there is none
    options: tuple[tuple[str, object], ...] = ()  # the decorator's literal keyword arguments

    def option(self, key: str, default: object = None) -> object:
        """A keyword the registration gave (``files="fashion-mnist"``), else ``default``."""
        return dict(self.options).get(key, default)


def _registered_name(decorator: ast.expr, registrar: str, definition: str) -> str | None:
    """The name ``decorator`` registers the definition under, if it is ``registrar``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    found = target.id if isinstance(target, ast.Name) else None
    if isinstance(target, ast.Attribute):
        found = f"{ast.unparse(target.value)}.{target.attr}"
    if found != registrar:
        return None
    if isinstance(decorator, ast.Call) and decorator.args:
        first = decorator.args[0]
        return (
            first.value
            if isinstance(first, ast.Constant) and isinstance(first.value, str)
            else None
        )
    return definition


def _arguments(args: ast.arguments, skip_first: bool = False) -> tuple[Argument, ...]:
    positional = [*args.posonlyargs, *args.args]
    # Defaults belong to the last positional parameters; keyword-only ones pair one to one.
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    found = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = "POSITIONAL_ONLY" if index < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        found.append(Argument(arg.arg, kind, _text(default) or None, _text(arg.annotation)))
    if args.vararg is not None:
        found.append(
            Argument(args.vararg.arg, "VAR_POSITIONAL", None, _text(args.vararg.annotation))
        )
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        found.append(
            Argument(arg.arg, "KEYWORD_ONLY", _text(kw_default) or None, _text(arg.annotation))
        )
    if args.kwarg is not None:
        found.append(Argument(args.kwarg.arg, "VAR_KEYWORD", None, _text(args.kwarg.annotation)))
    return tuple(found[1:] if skip_first else found)


def _options(decorator: ast.expr) -> tuple[tuple[str, object], ...]:
    """The decorator's keyword arguments whose values are literals."""
    if not isinstance(decorator, ast.Call):
        return ()
    found = []
    for keyword in decorator.keywords:
        if keyword.arg is None:
            continue
        try:
            found.append((keyword.arg, ast.literal_eval(keyword.value)))
        except ValueError:
            continue
    return tuple(found)


def _text(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(node)


def _signature(node: ast.FunctionDef | ast.ClassDef) -> tuple[tuple[Argument, ...], str]:
    doc = ast.get_docstring(node)  # cleaned as inspect.getdoc cleans it
    first_line = doc.split("\n")[0] if doc else ""
    if isinstance(node, ast.FunctionDef):
        return _arguments(node.args), first_line
    init = next(
        (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    return (() if init is None else _arguments(init.args, skip_first=True)), first_line


def read_entries(paths: Iterable[Path], registrar: str) -> dict[str, Entry]:
    """Every definition in ``paths`` that ``registrar`` decorates, by the name it registers.

    ``registrar`` is the decorator as written: ``"register_model"``,
    ``"register_data"``, ``"SCHEDULES.register"``. A name defined twice is a
    ValueError (the registry would refuse it too).
    """
    found: dict[str, Entry] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                name = _registered_name(decorator, registrar, node.name)
                if name is None:
                    continue
                if name in found:
                    raise ValueError(
                        f"{name!r} is registered in {found[name].module}.py and {path}"
                    )
                arguments, doc = _signature(node)
                found[name] = Entry(name, path.stem, arguments, doc, _options(decorator))
    return found
