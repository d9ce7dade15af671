"""A writable working copy of a verified data folder, made of links to its files.

Some code writes beside the data it reads (the book's Kaggle sections put
``train_valid_test/`` inside the extracted folder). The store's folders must
stay as verified (and may be read-only), so such code gets a copy elsewhere
whose files are symbolic links to the originals: made in moments, taking no
space, and anything written there lands in the copy only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from d2lkit.data.tree import tree_files

__all__ = ["linked_copy"]


def linked_copy(source: Path, dest: Path) -> Path:
    """``dest`` holding a link to every file of ``source`` (d2lkit's own files left out).

    Built beside ``dest`` and renamed into place, so a copy that exists is whole;
    an existing ``dest`` is used as it is.
    """
    source, dest = Path(source).resolve(), Path(dest)
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        for rel in tree_files(source):
            link = work / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source / rel, link)
        try:
            os.replace(work, dest)
        except OSError:  # another process finished first: use its copy
            if not dest.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest
