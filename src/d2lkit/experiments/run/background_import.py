"""Import a slow module in a thread while the caller waits on files.

torch imports ``torch._dynamo`` (2-3 s of pure Python on a 2-core machine)
the first time an optimiser is built. Reading and verifying a data set spends
its time in file reads, zlib and hashlib, which release the GIL, so the import
can run beside it. The thread is joined when the block ends: nothing of it is
left to compete with training, where a GIL-holding thread slows small models'
steps (docs/benchmarks.md, "Start-up trimmed").
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Iterator

__all__ = ["importing_in_background"]


def _import_quietly(name: str) -> None:
    with contextlib.suppress(Exception):  # a failure is raised again by the caller's own import
        importlib.import_module(name)


@contextlib.contextmanager
def importing_in_background(name: str) -> Iterator[None]:
    """Import module ``name`` in a thread while the ``with`` block runs; joined at its end."""
    if name in sys.modules:
        yield
        return
    thread = threading.Thread(
        target=_import_quietly, args=(name,), name=f"d2lkit-import-{name}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        thread.join()
