"""The data store's public names, in one place.

The store is split into modules with one job each: :mod:`~d2lkit.data.paths`
(where data lives), :mod:`~d2lkit.data.integrity` and :mod:`~d2lkit.data.tree`
(is a file or folder what the catalog lists), :mod:`~d2lkit.data.verdicts`
(remembered verdicts), :mod:`~d2lkit.data.download` (getting one file),
:mod:`~d2lkit.data.lock` (processes take turns), :mod:`~d2lkit.data.install`
(an archive installed as a folder, atomically), :mod:`~d2lkit.data.cleanup`
(leftovers of interrupted work) and :mod:`~d2lkit.data.access` (finding,
requiring and fetching data sets). This
module re-exports their public names for code that imports them from here.
"""

from __future__ import annotations

from d2lkit.data.access import (
    FileStatus,
    fetch,
    fetch_all,
    file_status,
    find_local,
    require,
    require_unpacked,
)
from d2lkit.data.archive import extract_archive
from d2lkit.data.cleanup import clean_stale
from d2lkit.data.download import ENV_MIRROR, download
from d2lkit.data.files import read_bytes
from d2lkit.data.integrity import verify
from d2lkit.data.paths import ENV_CACHE, ENV_DATA, cache_dir, data_dir
from d2lkit.data.tree import tree_digest

__all__ = [
    "ENV_CACHE",
    "ENV_DATA",
    "ENV_MIRROR",
    "FileStatus",
    "cache_dir",
    "clean_stale",
    "data_dir",
    "download",
    "extract_archive",
    "fetch",
    "fetch_all",
    "file_status",
    "find_local",
    "read_bytes",
    "require",
    "require_unpacked",
    "tree_digest",
    "verify",
]
