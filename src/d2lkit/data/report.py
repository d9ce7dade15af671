"""What ``d2lkit data verify`` and ``data fetch`` say, one line per file or data set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from d2lkit.errors import D2lkitError

__all__ = ["fetch_lines", "verify_lines"]

Root = str | os.PathLike[str] | None


def verify_lines(name: str | None, root: Root = None) -> Iterator[tuple[bool, str]]:
    """``(ok, line)`` per file: re-checked against its checksum (every present file if no name).

    A missing file counts as a failure only when the data set was named.
    """
    from d2lkit.data.access import find_local
    from d2lkit.data.catalog import DATASETS, get_dataset
    from d2lkit.data.integrity import verify

    datasets = [get_dataset(name)] if name else list(DATASETS.values())
    for dataset in datasets:
        for entry in dataset.files:
            path = find_local(dataset, entry, root)
            if path is None:
                if name:
                    yield False, f"missing   {dataset.name}/{entry.name}"
                continue
            try:
                verify(path, entry, use_cache=False)
            except D2lkitError as exc:
                yield False, f"FAILED    {exc.message}\n  fix: {exc.fix}"
            else:
                yield True, f"ok        {path}"


def fetch_lines(name: str, root: Root = None, **options: Any) -> Iterator[str]:
    """Fetch a data set (or ``all``) and say what is in place: a line per file, or per set."""
    from d2lkit.data.access import fetch, fetch_all

    if name != "all":
        for path in fetch(name, root, **options):
            yield f"ok  {path}"
        return
    for dataset, paths in fetch_all(root, **options).items():
        yield f"ok  {dataset} ({len(paths)} file{'s' * (len(paths) != 1)} verified)"
