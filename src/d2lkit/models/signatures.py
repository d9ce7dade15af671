"""What each registered model takes, read from the families' source: no torch, no import.

``d2lkit show`` and ``d2lkit list --models`` print every model's arguments,
defaults and one-line doc. Importing the families to ask ``inspect`` costs the
seconds torch takes to load; reading their source with :mod:`ast` costs a few
milliseconds. The same decorated ``def`` lines are what the registry runs, and
tests/models/test_signatures.py checks that this reading agrees with
``inspect.signature`` of every registered entry function, so it cannot go stale.

>>> sig = model_signature("lenet_bn")
>>> sig.family, [a.name for a in sig.arguments]
('cnn', ['num_classes', 'in_channels'])
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from d2lkit.errors import ConfigError, did_you_mean
from d2lkit.models.registry import families

__all__ = ["Argument", "ModelSignature", "model_signature", "model_signatures"]

_DECORATOR = "register_model"
_REQUIRED = object()


@dataclass(frozen=True)
class Argument:
    """One parameter of an entry function as the source writes it.

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

    @property
    def required(self) -> bool:
        """True when a caller must pass it (no default, not ``*args``/``**kwargs``)."""
        return self.default_source is None and not self.kind.startswith("VAR_")

    @property
    def default(self) -> object:
        """The default's value; a default that is not a literal is a ValueError.

        Entry functions keep literal defaults (numbers, strings, tuples, None)
        so that ``show`` can print them without importing the family.
        """
        if self.default_source is None:
            raise ValueError(f"argument {self.name!r} has no default")
        try:
            return ast.literal_eval(self.default_source)
        except ValueError:
            raise ValueError(
                f"the default of {self.name!r} is not a literal: {self.default_source}"
            ) from None


@dataclass(frozen=True)
class ModelSignature:
    """A registered model's entry function: name, family, arguments, one-line doc."""

    name: str
    family: str  # the module under d2lkit/models/, e.g. "cnn"
    arguments: tuple[Argument, ...]
    doc: str  # the docstring's first line, "" when there is none

    def argument(self, name: str) -> Argument:
        """The argument called ``name``; an unknown one is a ConfigError naming the others."""
        for arg in self.arguments:
            if arg.name == name:
                return arg
        known = ", ".join(a.name for a in self.arguments) or "none"
        raise ConfigError(
            f"model {self.name!r} takes no argument {name!r}", fix=f"its arguments are: {known}"
        )


def _source_of(family: str) -> Path:
    return Path(__file__).with_name(f"{family}.py")


def _is_registration(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id == _DECORATOR
    return isinstance(target, ast.Attribute) and target.attr == _DECORATOR


def _text(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(node)


def _arguments(args: ast.arguments) -> tuple[Argument, ...]:
    positional = [*args.posonlyargs, *args.args]
    # Defaults belong to the last positional parameters; keyword-only ones pair one to one.
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    found = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = "POSITIONAL_ONLY" if index < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        found.append(Argument(arg.arg, kind, _default(default), _text(arg.annotation)))
    if args.vararg is not None:
        found.append(
            Argument(args.vararg.arg, "VAR_POSITIONAL", None, _text(args.vararg.annotation))
        )
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        found.append(Argument(arg.arg, "KEYWORD_ONLY", _default(kw_default), _text(arg.annotation)))
    if args.kwarg is not None:
        found.append(Argument(args.kwarg.arg, "VAR_KEYWORD", None, _text(args.kwarg.annotation)))
    return tuple(found)


def _default(node: ast.expr | None) -> str | None:
    return None if node is None else ast.unparse(node)


def _first_line(node: ast.FunctionDef) -> str:
    doc = ast.get_docstring(node)  # cleaned as inspect.getdoc cleans it
    return doc.split("\n")[0] if doc else ""


def _read_family(family: str) -> list[ModelSignature]:
    tree = ast.parse(_source_of(family).read_text(encoding="utf-8"), filename=f"{family}.py")
    return [
        ModelSignature(node.name, family, _arguments(node.args), _first_line(node))
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any(map(_is_registration, node.decorator_list))
    ]


@functools.cache
def _all() -> dict[str, ModelSignature]:
    found: dict[str, ModelSignature] = {}
    for family in families():
        for sig in _read_family(family):
            if sig.name in found:  # the registry would refuse this too
                raise ValueError(
                    f"model {sig.name!r} is defined in both {found[sig.name].family}.py "
                    f"and {family}.py"
                )
            found[sig.name] = sig
    return found


def model_signatures() -> dict[str, ModelSignature]:
    """Every model d2lkit registers, by name, sorted, read from source (no torch)."""
    return dict(sorted(_all().items()))


def model_signature(name: str) -> ModelSignature:
    """The entry function ``name`` as its source writes it; an unknown name suggests close ones.

    Only d2lkit's own families are read: a model a user registers at run time
    has no source here, and ``inspect.signature(model_entry(name))`` describes it.
    """
    signatures = _all()
    try:
        return signatures[name]
    except KeyError:
        close = did_you_mean(name, signatures)
        raise ConfigError(
            f"unknown model {name!r}", fix=f"{close}`d2lkit list --models` shows them all"
        ) from None
