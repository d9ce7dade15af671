"""A small archive put in the store as a catalogued data set, for the readers' tests."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from d2lkit.data import catalog


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def zip_bytes() -> Callable[[dict[str, bytes]], bytes]:
    """``zip_bytes({member: data})``: a zip archive's bytes."""
    return _zip_bytes


@pytest.fixture(scope="session")
def tar_bytes() -> Callable[[dict[str, bytes]], bytes]:
    """``tar_bytes({member: data})``: an uncompressed tar archive's bytes."""
    return _tar_bytes


@pytest.fixture
def stored_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, bytes], Path]:
    """``stored_archive(dataset, archive_bytes)``: a data root holding that archive.

    The catalog entry of ``dataset`` is patched to these bytes' sha1 (URLs kept),
    so the store verifies and extracts the archive as it would the real one.
    """

    def put(dataset: str, served: bytes) -> Path:
        ds = catalog.get_dataset(dataset)
        [entry] = ds.files
        patched = replace(entry, checksum=f"sha1:{hashlib.sha1(served).hexdigest()}", size=None)
        monkeypatch.setitem(catalog.DATASETS, dataset, replace(ds, files=(patched,)))
        root = tmp_path / "data"
        (root / ds.folder).mkdir(parents=True)
        (root / ds.folder / entry.name).write_bytes(served)
        return root

    return put
