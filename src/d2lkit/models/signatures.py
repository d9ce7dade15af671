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

import functools
from dataclasses import dataclass
from pathlib import Path

from d2lkit.entries import Argument, read_entries
from d2lkit.errors import ConfigError, did_you_mean
from d2lkit.models.registry import families

__all__ = ["Argument", "ModelSignature", "model_signature", "model_signatures"]


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


@functools.cache
def _all() -> dict[str, ModelSignature]:
    folder = Path(__file__).resolve().parent
    entries = read_entries((folder / f"{family}.py" for family in families()), "register_model")
    return {
        name: ModelSignature(e.name, e.module, e.arguments, e.doc) for name, e in entries.items()
    }


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
