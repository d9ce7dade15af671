"""What to tell someone whose data is not here: every missing file, its URL, and the folder.

One message names every missing file of a data set at once, so placing them
by hand takes one round, not one per file. Its advice depends on who asked,
and names only what that caller can use: the command line (``--data-dir``,
``d2lkit data list``), library code (``root=``, ``download=True``), or the
book's own functions (``d2l.load_data_fashion_mnist(batch_size)`` takes
neither: only ``$D2LKIT_DATA`` and ``$D2LKIT_OFFLINE`` reach them). All
name ``$D2LKIT_DATA``. :meth:`DataSetUnavailable.retold` gives the same
message for another caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from d2lkit.data.catalog import DataFile, Dataset
from d2lkit.data.paths import ENV_DATA
from d2lkit.errors import DownloadError

__all__ = ["ENV_OFFLINE", "Audience", "DataSetUnavailable", "missing_error"]

Audience = Literal["cli", "library", "book"]
ENV_OFFLINE = "D2LKIT_OFFLINE"  # "1": library readers never download (d2lkit.data.access)


class DataSetUnavailable(DownloadError):
    """Files of a data set are missing and cannot be downloaded now; ``fix`` says where to put
    each one. ``dataset`` and ``missing`` name them for callers that summarise."""

    def __init__(self, message: str, fix: str, *, dataset: str, missing: tuple[str, ...]) -> None:
        super().__init__(message, fix)
        self.dataset = dataset
        self.missing = missing
        self._told: tuple[Dataset, tuple[DataFile, ...], Path, str] | None = None

    def retold(self, audience: Audience, extra: str = "") -> DataSetUnavailable:
        """The same error with the advice for another caller (``extra``: one more way out).

        An error not made by :func:`missing_error` is returned as it is.
        """
        if self._told is None:
            return self
        dataset, missing, folder, why = self._told
        return missing_error(dataset, missing, folder, why=why, audience=audience, extra=extra)


def _source(entry: DataFile, dataset: Dataset) -> str:
    if entry.url:
        return entry.url
    where = dataset.homepage or "the data set's source"
    return f"{entry.name} (no download URL is known: get it from {where})"


def missing_error(
    dataset: Dataset,
    missing: Sequence[DataFile],
    folder: Path,
    *,
    why: str,
    audience: Audience,
    extra: str = "",
) -> DataSetUnavailable:
    """The one error for ``missing`` files of ``dataset``: why, what, where, and other ways.

    ``why`` says in a few words why they cannot be downloaded now ("no network:
    ...", "downloads are off (download=False)"); ``extra`` is one more way
    out, added at the end of the fix.
    """
    count = f"{len(missing)} file" + ("s" if len(missing) != 1 else "")
    them = "it" if len(missing) == 1 else "them"
    sources = "".join(f"\n      {_source(entry, dataset)}" for entry in missing)
    if audience == "cli":
        other = (
            f"or point --data-dir or ${ENV_DATA} at a data directory whose {dataset.folder}/ "
            f"holds {them}; `d2lkit data list` shows every file, its status and its URL"
        )
    elif audience == "book":  # the book's functions take no root= and no download=
        other = (
            f"or set ${ENV_DATA} to a data directory whose {dataset.folder}/ holds {them}, "
            f"before the first call; with a network and ${ENV_OFFLINE} unset, the first "
            f"call downloads {them}"
        )
    else:
        other = (
            f"or pass root= (or set ${ENV_DATA} to) a data directory whose {dataset.folder}/ "
            f"holds {them}; with a network, download=True downloads {them} on first use"
        )
    fix = (
        f"download {them} where there is a network and put {them} in {folder}/:{sources}\n"
        f"    {other}{'; ' + extra if extra else ''}"
    )
    error = DataSetUnavailable(
        f"{dataset.name}: {count} missing from {folder}, and {why}",
        fix,
        dataset=dataset.name,
        missing=tuple(entry.name for entry in missing),
    )
    error._told = (dataset, tuple(missing), folder, why)
    return error
