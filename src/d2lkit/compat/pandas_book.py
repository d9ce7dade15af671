"""pandas 2/3 behaviour the book's cells (2.2, 4.10) were not written for, made book-like.

Two changes broke those cells: text columns became the ``str`` dtype
(pandas 3), so ``dtypes != 'object'`` counts them as numeric; and
``DataFrame.mean()`` stopped skipping text columns (pandas 2), so
``inputs.fillna(inputs.mean())`` raises. :func:`enable` restores both, for
this process only: text is inferred as ``object`` again, and
``DataFrame.mean/std/median`` without ``numeric_only`` skip non-numeric
columns as pandas 1 did. A DataFrame built from rows of different lengths (the
English edition's 11.7) is padded with NaN as before, without pandas 3's
deprecation warning. The bool columns of ``get_dummies`` are handled by
``d2l.tensor``. ``D2LKIT_BOOK_PANDAS=0`` turns all of this off.

When it holds: :func:`enable` runs when ``d2lkit.torch`` or ``d2lkit.d2lzh``
is imported. A section that never imports the book's library (2.2, the
pandas section) gets it from one of:

- the book's own import line first, ``from d2lkit import torch as d2l``;
- the opt-in for a whole environment, ``python -m d2lkit.compat.pandas_startup
  on``: it writes a one-line ``.pth`` file into the environment's
  site-packages (:func:`install_startup`), which Python runs at every start;
  the line calls :func:`enable_on_import`, which imports nothing (not pandas,
  not torch) and makes pandas book-like the moment a cell imports it. ``off``
  removes the file, ``status`` says whether it is there.
"""

from __future__ import annotations

import functools
import os
import sysconfig
import warnings
from pathlib import Path
from typing import Any

from d2lkit.compat.after_import import call_after_import

__all__ = [
    "ENV_BOOK_PANDAS",
    "STARTUP_FILE",
    "STARTUP_LINE",
    "disable",
    "enable",
    "enable_on_import",
    "enabled",
    "install_startup",
    "remove_startup",
    "startup_path",
]

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


# --- the opt-in for sections that never import the library -------------------

STARTUP_FILE = "d2lkit-book-pandas.pth"
# A .pth line that starts with "import" is run by Python at start-up (module `site`).
# It does nothing once d2lkit is uninstalled (pip leaves this file behind): no error at start.
STARTUP_LINE = (
    "import importlib.util as _u; _u.find_spec('d2lkit') and "
    "__import__('d2lkit.compat.pandas_book', fromlist=['_']).enable_on_import()"
)


def enable_on_import() -> None:
    """Run :func:`enable` as soon as pandas is imported (at once if it already is).

    Nothing is imported now: an interpreter that never imports pandas pays nothing.
    """
    call_after_import("pandas", enable)


def startup_path(site_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the opt-in ``.pth`` file goes: ``site_dir``, else this environment's site-packages."""
    folder = Path(site_dir) if site_dir is not None else Path(sysconfig.get_paths()["purelib"])
    return folder / STARTUP_FILE


def install_startup(site_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write the opt-in ``.pth`` file (see the module's docstring); return its path."""
    from d2lkit.atomic import write_text_atomic

    path = startup_path(site_dir)
    write_text_atomic(
        path,
        STARTUP_LINE + "\n",
        elsewhere="run it inside a virtual environment you own, or add the line "
        "`from d2lkit import torch as d2l` at the top of the section instead",
    )
    return path


def remove_startup(site_dir: str | os.PathLike[str] | None = None) -> bool:
    """Remove the opt-in ``.pth`` file; False when there was none."""
    path = startup_path(site_dir)
    if not path.is_file():
        return False
    path.unlink()
    return True


def _is_ragged_rows_filter(item: Any) -> bool:
    message = item[1]
    return item[0] == "ignore" and message is not None and message.pattern == _RAGGED_ROWS
