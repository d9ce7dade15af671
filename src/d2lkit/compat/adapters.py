"""Small adapters that let the book's objects run inside d2lkit's Trainer.

The book trains plain Python functions (``net = lambda X: ...``), its own
scratch models (objects with ``.params`` and ``begin_state``) and functional
updaters (``updater(batch_size)``). The Trainer wants an ``nn.Module`` and an
optimiser; these wrappers are those, and nothing more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import torch
from torch import nn

from d2lkit.data.missing import DataSetUnavailable

__all__ = [
    "BookLanguageModel",
    "FunctionModule",
    "as_module",
    "book_data_advice",
    "params_of",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def book_data_advice(extra: str = "") -> Callable[[_F], _F]:
    """Missing data: the error names only what the book's function accepts (no ``root=``,
    no ``download=``), plus ``extra``: one more way out that a variant offers."""

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except DataSetUnavailable as exc:
                raise exc.retold("book", extra) from None

        return cast(_F, wrapper)

    return decorate


def params_of(net: Any) -> list[torch.Tensor]:
    """The trainable tensors of a module, or of a book scratch model's ``.params``."""
    if isinstance(net, nn.Module):
        return [p for p in net.parameters() if p.requires_grad]
    return [p for p in getattr(net, "params", ()) if isinstance(p, torch.Tensor)]


class FunctionModule(nn.Module):
    """An ``nn.Module`` around a callable; ``parameters()`` are the tensors it was given.

    The tensors stay the caller's (the book updates them in place); moving
    the module to a device does not move them.
    """

    def __init__(self, fn: Callable[..., Any], params: Sequence[torch.Tensor] = ()) -> None:
        super().__init__()
        self.fn = fn
        self._external = list(params)

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)

    def parameters(self, recurse: bool = True) -> Iterator[nn.Parameter]:
        yield from self._external  # type: ignore[misc]


def as_module(net: Any) -> nn.Module:
    """``net`` itself if it is a module, else a :class:`FunctionModule` around it."""
    return net if isinstance(net, nn.Module) else FunctionModule(net, params_of(net))


class BookLanguageModel(nn.Module):
    """A book RNN (``net(X, state) -> ((T*B, V) logits, state)``) as a d2lkit language model.

    ``forward(X, state=None)`` starts from ``net.begin_state`` when no state
    is given and returns logits ``(B, T, V)``, the layout of
    :class:`d2lkit.models.rnn.RNNLM`, so :func:`d2lkit.models.rnn.generate`
    and the ``language_model`` task run it unchanged.
    """

    def __init__(self, net: Any) -> None:
        super().__init__()
        self.net = net if isinstance(net, nn.Module) else None
        self._book = net
        self._external = [] if isinstance(net, nn.Module) else params_of(net)

    def parameters(self, recurse: bool = True) -> Iterator[nn.Parameter]:
        if self.net is not None:
            yield from self.net.parameters(recurse)
        else:
            yield from self._external  # type: ignore[misc]

    def forward(self, X: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        B, T = X.shape
        if state is None:
            state = self._book.begin_state(batch_size=B, device=X.device)
        logits, state = self._book(X, state)  # (T * B, V), time-major rows
        return logits.reshape(T, B, -1).transpose(0, 1), state  # (B, T, V)
