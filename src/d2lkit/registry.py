"""One small registry for every name a user can type: models, recipes, losses, schedules...

>>> LOSSES = Registry("loss")
>>> @LOSSES.register("mse")
... def _mse(): ...
>>> LOSSES.get("mes")          # ConfigError: unknown loss 'mes'; fix: did you mean mse? ...

Each kind of thing keeps its own ``Registry``; all of them share the lookup,
the shell-style ``list(pattern)`` and the did-you-mean error. It imports
nothing heavy, so the CLI can list names before torch loads.
"""

from __future__ import annotations

import builtins
import fnmatch
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from d2lkit.errors import ConfigError, did_you_mean

__all__ = ["Registry", "plural"]

T = TypeVar("T")


def plural(kind: str) -> str:
    """The plural of a kind of thing: "loss" -> "losses", "data set for recipes" ->
    "data sets for recipes" (the head noun takes it, not the last word)."""
    head, sep, rest = kind.partition(" for ")
    if head.endswith(("s", "x", "z", "ch", "sh")):
        head += "es"
    elif head.endswith("y") and head[-2:-1] not in ("a", "e", "i", "o", "u"):
        head = head[:-1] + "ies"
    else:
        head += "s"
    return head + sep + rest


class Registry(Generic[T]):
    """Named entries of one kind, in registration order.

    Args:
        kind: what an entry is, for messages ("model", "loss", "recipe" ...).
        hint: where a user sees every name, e.g. "`d2lkit list` shows them all".
        cutoff: how close a typo must be to be suggested (0..1, difflib's ratio).
        loader: called once before the first lookup, to import modules that
            register entries (keeps imports lazy).
    """

    def __init__(
        self,
        kind: str,
        *,
        hint: str = "",
        cutoff: float = 0.6,
        loader: Callable[[], object] | None = None,
    ) -> None:
        self.kind = kind
        self.hint = hint
        self.cutoff = cutoff
        self._entries: dict[str, T] = {}
        self._loader = loader

    def _load(self) -> None:
        if self._loader is not None:
            loader, self._loader = self._loader, None
            loader()

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` as ``name``; the same name twice for two entries is a bug."""
        if name in self._entries and self._entries[name] is not entry:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def register(self, name: str | None = None) -> Callable[[T], T]:
        """Decorator: register a function or class under ``name`` (default: its ``__name__``)."""

        def decorate(entry: T) -> T:
            return self.add(name or entry.__name__, entry)  # type: ignore[attr-defined]

        return decorate

    def get(self, name: str) -> T:
        """The entry called ``name``; an unknown name is a ConfigError suggesting close ones."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            close = did_you_mean(name, self._entries, cutoff=self.cutoff)
            known = self.hint or f"known {plural(self.kind)}: {', '.join(self._entries)}"
            raise ConfigError(f"unknown {self.kind} {name!r}", fix=f"{close}{known}") from None

    def list(self, pattern: str = "*") -> builtins.list[str]:
        """Names matching a shell-style pattern, in registration order."""
        self._load()
        return [n for n in self._entries if fnmatch.fnmatchcase(n, pattern)]

    def items(self) -> builtins.list[tuple[str, T]]:
        self._load()
        return list(self._entries.items())

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load()
        return len(self._entries)
