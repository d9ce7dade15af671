"""pandas 2/3 behaviour the book's cells (2.2, 4.10) were not written for, made book-like.

Two changes broke those cells: text columns became the ``str`` dtype
(pandas 3), so ``dtypes != 'object'`` counts them as numeric; and
``DataFrame.mean()`` stopped skipping text columns (pandas 2), so
``inputs.fillna(inputs.mean())`` raises. :func:`enable` (run when
``d2lkit.torch`` or ``d2lkit.d2lzh`` is imported, unless
``D2LKIT_BOOK_PANDAS=0``) restores both, for this process only:
text is inferred as ``object`` again, and ``DataFrame.mean/std/median``
without ``numeric_only`` skip non-numeric columns as pandas 1 did. A DataFrame
built from rows of different lengths (the English edition's 11.7) is padded
with NaN as before, without pandas 3's deprecation warning.
The bool columns of ``get_dummies`` are handled by ``d2l.tensor``.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

__all__ = ["ENV_BOOK_PANDAS", "disable", "enable", "enabled"]

ENV_BOOK_PANDAS = "D2LKIT_BOOK_PANDAS"
_STATE: dict[str, Any] = {"enabled": False, "infer_string": None}
# 11.7 (English edition) builds a DataFrame from rows of different lengths on purpose: pandas
# pads them with NaN (then the cell fills 0), which pandas 3 says it will stop doing.
_RAGGED_ROWS = "Constructing a DataFrame from a list of sequences with mismatched lengths"
_REDUCTIONS = ("mean", "std", "median")


def enabled() -> bool:
    return _STATE["enabled"]


def _skip_text(method: Any) -> Any:
    @functools.wraps(method)
    def reduction(self: Any, *args: Any, **kwargs: Any) -> Any:
        if "numeric_only" not in kwargs and len(args) < 3:
            kwargs["numeric_only"] = True
        return method(self, *args, **kwargs)

    reduction.__d2lkit_book__ = True  # type: ignore[attr-defined]
    return reduction


def enable() -> bool:
    """Make pandas behave as the book expects; False when pandas is absent or opted out."""
    if _STATE["enabled"]:
        return True
    if os.environ.get(ENV_BOOK_PANDAS, "1") == "0":
        return False
    try:
        import pandas as pd
    except ImportError:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the option is deprecated in pandas 3, still honoured
        try:
            _STATE["infer_string"] = pd.get_option("future.infer_string")
            pd.set_option("future.infer_string", False)
        except (KeyError, ValueError, pd.errors.OptionError):  # pandas without the option
            _STATE["infer_string"] = None
    for name in _REDUCTIONS:
        method = getattr(pd.DataFrame, name)
        if not getattr(method, "__d2lkit_book__", False):
            setattr(pd.DataFrame, name, _skip_text(method))
    warnings.filterwarnings("ignore", message=_RAGGED_ROWS)
    _STATE["enabled"] = True
    return True


def disable() -> None:
    """Undo :func:`enable` (tests use it to leave pandas as they found it)."""
    if not _STATE["enabled"]:
        return
    import pandas as pd

    for name in _REDUCTIONS:
        method = getattr(pd.DataFrame, name)
        if getattr(method, "__d2lkit_book__", False):
            setattr(pd.DataFrame, name, method.__wrapped__)
    if _STATE["infer_string"] is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.set_option("future.infer_string", _STATE["infer_string"])
    for item in [f for f in warnings.filters if _is_ragged_rows_filter(f)]:
        warnings.filters.remove(item)  # type: ignore[attr-defined]  # a list at run time
    _STATE["enabled"] = False


def _is_ragged_rows_filter(item: Any) -> bool:
    message = item[1]
    return item[0] == "ignore" and message is not None and message.pattern == _RAGGED_ROWS
