"""Fixtures of the data tests: small files in the real formats, put where the store looks."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from d2lkit.data import catalog


def _zip_bytes(members: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def zip_bytes() -> Callable[[Mapping[str, str | bytes]], bytes]:
    """``zip_bytes({name: text or bytes})``: the bytes of a zip archive holding them."""
    return _zip_bytes


@pytest.fixture()
def store_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, str, bytes], Path]:
    """``store_file(dataset, name, data)`` puts ``data`` where the store looks for a catalogued
    file, makes the catalog accept its sha1 (for this test only), and returns the data root."""

    def put(dataset: str, name: str, data: bytes) -> Path:
        ds = catalog.get_dataset(dataset)
        entry = ds.file(name)
        folder = tmp_path / ds.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        sha1 = f"sha1:{hashlib.sha1(data).hexdigest()}"
        files = tuple(
            replace(f, checksum=sha1, also_accepted=(), size=None) if f is entry else f
            for f in ds.files
        )
        monkeypatch.setitem(catalog.DATASETS, dataset, replace(ds, files=files))
        return tmp_path

    return put
