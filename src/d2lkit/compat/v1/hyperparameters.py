"""The book's object mechanics: ``add_to_class`` and ``HyperParameters`` (d2l 1.0, 3.2).

These two are the book's way of writing a class across notebook cells; they
are plain Python with no d2lkit counterpart. ``add_to_class`` is what lets a
section replace a method of the facade's classes (``Trainer.fit_epoch``,
``prepare_batch``, ``clip_gradients``): the facade looks its methods up on
the instance at every call, so a method installed later takes effect at once,
also on objects made before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["HyperParameters", "add_to_class"]

F = TypeVar("F", bound=Callable[..., Any])


def add_to_class(Class: type) -> Callable[[F], F]:
    """Install the decorated function as a method of ``Class`` (replacing one of that name).

    Unlike the book's decorator, which returns None, this one returns the
    function, so the name stays usable in the cell that defined it.
    """

    def wrapper(obj: F) -> F:
        setattr(Class, obj.__name__, obj)
        return obj

    return wrapper


class HyperParameters:
    """The base class of objects that keep their constructor's arguments as attributes."""

    hparams: dict[str, Any]

    def save_hyperparameters(self, ignore: Sequence[str] = ()) -> None:
        """Set every argument of the calling ``__init__`` (and its other locals) as an attribute.

        Names in ``ignore``, ``self`` and names starting with ``_`` are left out;
        the rest are also kept in ``self.hparams``.
        """
        frame = sys._getframe(1)  # the caller's frame: its locals are the arguments
        skip = {*ignore, "self"}
        self.hparams = {
            k: v for k, v in frame.f_locals.items() if k not in skip and not k.startswith("_")
        }
        for k, v in self.hparams.items():
            setattr(self, k, v)
