"""The README's promise on a fresh machine: `d2lkit run` fetches what it lacks, then trains.

The "internet" is a local HTTP server on 127.0.0.1 serving the real
Fashion-MNIST files; the catalog's URLs are pointed at it for the test.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler

import pytest
from typer.testing import CliRunner

from d2lkit.cli import app
from d2lkit.data import catalog


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def mirror(data_root, serve_http) -> str:
    """The real Fashion-MNIST files served from a local HTTP server."""
    directory = str(data_root / "fashion-mnist")
    return serve_http(functools.partial(_QuietHandler, directory=directory)) + "/"


@pytest.mark.slow
def test_run_on_an_empty_data_dir_downloads_verifies_and_trains(mirror, tmp_path, monkeypatch):
    ds = catalog.get_dataset("fashion-mnist")
    local = replace(ds, files=tuple(replace(f, urls=(mirror + f.name,)) for f in ds.files))
    monkeypatch.setitem(catalog.DATASETS, "fashion-mnist", local)
    data = tmp_path / "data"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "softmax-regression",
            "--epochs",
            "1",
            "--quiet",
            "--data-dir",
            str(data),
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (data / "fashion-mnist").iterdir()) == sorted(
        f.name for f in ds.files
    )  # all four files, no .part left
    [run_dir] = (tmp_path / "runs" / "softmax-regression").iterdir()
    assert json.loads((run_dir / "summary.json").read_text())["final"]["test_acc"] > 0.75
