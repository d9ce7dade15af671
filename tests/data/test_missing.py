"""The missing-data message told to each caller names only what that caller can use."""

from __future__ import annotations

from pathlib import Path

import pytest

from d2lkit.data import catalog
from d2lkit.data.missing import DataSetUnavailable, missing_error

FASHION = catalog.get_dataset("fashion-mnist")


def _error(audience, folder: Path) -> DataSetUnavailable:
    return missing_error(FASHION, FASHION.files, folder, why="downloads are off", audience=audience)


def test_the_books_functions_are_told_only_the_environment_variables(tmp_path):
    fix = _error("book", tmp_path).fix
    assert "$D2LKIT_DATA" in fix and "$D2LKIT_OFFLINE" in fix
    assert "root=" not in fix and "download=" not in fix and "--data-dir" not in fix
    for entry in FASHION.files:
        assert entry.url in fix


@pytest.mark.parametrize("audience", ["cli", "library", "book"])
def test_retold_gives_the_same_files_and_reason_with_the_other_callers_advice(tmp_path, audience):
    library = _error("library", tmp_path)
    retold = library.retold(audience)
    expected = _error(audience, tmp_path)
    assert (retold.message, retold.fix) == (expected.message, expected.fix)
    assert (retold.dataset, retold.missing) == (library.dataset, library.missing)


def test_retold_adds_one_more_way_out(tmp_path):
    fix = _error("library", tmp_path).retold("book", "or pass root= a folder").fix
    assert fix.endswith("; or pass root= a folder")


def test_an_error_made_elsewhere_is_retold_as_it_is():
    error = DataSetUnavailable("gone", "put it back", dataset="x", missing=("a",))
    assert error.retold("book") is error
