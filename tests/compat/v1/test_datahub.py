"""download(url, folder, sha1) / extract: the book's files land in the book's folder, verified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from d2lkit.errors import DataError
from d2lkit.v1 import torch as d2l

from ..conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(SHARED_DATA is None, reason="real data not found (D2LKIT_DATA)")

TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"  # the book's (9.2)
FRA_ENG_SHA1 = "94646ad1522d915e7b0f9296181140edcf86a4f5"  # the book's (10.5)


def test_download_puts_a_verified_copy_in_the_folder(tmp_path: Path):
    path = d2l.download(d2l.DATA_URL + "timemachine.txt", str(tmp_path / "data"), TIME_MACHINE_SHA1)
    assert path == str(tmp_path / "data" / "timemachine.txt")
    assert hashlib.sha1(Path(path).read_bytes()).hexdigest() == TIME_MACHINE_SHA1
    before = Path(path).stat().st_mtime_ns
    assert (
        d2l.download(d2l.DATA_URL + "timemachine.txt", str(tmp_path / "data"), TIME_MACHINE_SHA1)
        == path
    )
    assert Path(path).stat().st_mtime_ns == before  # the same content: not copied again


def test_a_damaged_copy_in_the_folder_is_replaced(tmp_path: Path):
    (tmp_path / "timemachine.txt").write_text("not the book")
    path = d2l.download(d2l.DATA_URL + "timemachine.txt", str(tmp_path), TIME_MACHINE_SHA1)
    assert hashlib.sha1(Path(path).read_bytes()).hexdigest() == TIME_MACHINE_SHA1


def test_a_data_hub_name_downloads_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")  # the book's '../data' is beside the working folder
    path = d2l.download("time_machine")
    assert Path(path).resolve() == (tmp_path / "data" / "timemachine.txt").resolve()


def test_the_stores_fra_eng_archive_is_accepted_and_extracts_beside_it(tmp_path: Path):
    folder = tmp_path / "data"
    d2l.extract(d2l.download(d2l.DATA_URL + "fra-eng.zip", str(folder), FRA_ENG_SHA1))
    text = (folder / "fra-eng" / "fra.txt").read_text(encoding="utf-8")
    assert text.startswith("Go.\tVa !")
    (folder / "fra-eng" / "fra.txt").write_text("changed")
    d2l.extract(str(folder / "fra-eng.zip"))  # extracting again replaces what it holds
    assert (folder / "fra-eng" / "fra.txt").read_text(encoding="utf-8").startswith("Go.")


def test_extracting_a_file_that_is_no_archive_is_a_clear_error(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="not a zip/tar file"):
        d2l.extract(str(tmp_path / "notes.txt"))


def test_an_archive_the_store_keeps_extracted_is_a_linked_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # 14.13: d2l.DATA_HUB['cifar10_tiny'] = (...); data_dir = d2l.download_extract('cifar10_tiny')
    monkeypatch.setenv("D2LKIT_CACHE", str(tmp_path / "cache"))
    data_dir = Path(d2l.download_extract("cifar10_tiny"))
    assert (tmp_path / "cache") in data_dir.parents
    assert (data_dir / "trainLabels.csv").is_file() and len(
        list((data_dir / "test").iterdir())
    ) == 100
    (data_dir / "train_valid_test").mkdir()  # what the section writes stays in the copy
    assert not (SHARED_DATA / "cifar10-tiny" / "train_valid_test").exists()
