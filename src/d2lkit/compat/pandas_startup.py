"""``python -m d2lkit.compat.pandas_startup on|off|status``: the book's pandas in every Python.

``on`` writes the one-line ``.pth`` file of
:func:`d2lkit.compat.pandas_book.install_startup` into this environment's
site-packages, so that the book's pandas cells (2.2) run on pandas 2/3 even
in a section that never imports the book's library; ``off`` removes it;
``status`` says whether it is there. A separate module from ``pandas_book``,
which the ``.pth`` line itself imports at every start.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from d2lkit.compat import pandas_book
from d2lkit.errors import D2lkitError

__all__ = ["main"]

USAGE = "usage: python -m d2lkit.compat.pandas_startup on|off|status"


def main(argv: Sequence[str] | None = None) -> int:
    """Switch the opt-in on or off, or say whether it is on; the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if len(args) == 1 else ""
    path = pandas_book.startup_path()
    try:
        if command == "on":
            written = pandas_book.install_startup()
            print("on: pandas behaves as the book expects in every Python of this environment")
            print(f"  ({written}; undo with: python -m d2lkit.compat.pandas_startup off)")
        elif command == "off":
            removed = pandas_book.remove_startup()
            print(f"off: removed {path}" if removed else f"off: there was no {path}")
        elif command == "status":
            print(f"on: {path}" if path.is_file() else f"off: no {path}")
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except D2lkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
