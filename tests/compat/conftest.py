"""Compat tests: real data from the shared folder, plots to a temporary folder, pandas restored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path | None:
    for candidate in (os.environ.get("D2LKIT_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "fashion-mnist").is_dir():
            return Path(candidate).resolve()
    return None


SHARED_DATA = shared_data()


@pytest.fixture(autouse=True)
def _book_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[None]:
    from d2lkit.compat import pandas_book

    if SHARED_DATA is not None:
        monkeypatch.setenv("D2LKIT_DATA", str(SHARED_DATA))
    monkeypatch.setenv("D2LKIT_PLOTS", str(tmp_path / "plots"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    pandas_book.enable()
    yield
    pandas_book.disable()
    import matplotlib.pyplot as plt

    plt.close("all")
