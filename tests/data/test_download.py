"""Downloads against a local HTTP server: good, truncated, wrong, hanging, missing."""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from d2lkit.data import access, catalog, store
from d2lkit.data.catalog import DataFile
from d2lkit.errors import DataError, DownloadError

CONTENT = struct.pack(">ii", 2049, 3000) + bytes(i % 10 for i in range(3000))
SERVED = gzip.compress(CONTENT, mtime=0)
FAST = {"timeout": 1.0, "retries": 2, "backoff": 0.01}


class _Handler(BaseHTTPRequestHandler):
    """Routes: /good, /truncated, /wrong, /hang, /missing, /flaky (fails once, then good)."""

    payload = SERVED
    flaky_hits = 0

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, body: bytes, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        route = self.path.rsplit("/", 1)[-1]
        cls = type(self)
        if route == "good":
            self._send(cls.payload)
        elif route == "truncated":
            self._send(cls.payload[: len(cls.payload) // 2], length=len(cls.payload))
            self.close_connection = True
        elif route == "wrong":
            self._send(gzip.compress(b"not the file"))
        elif route == "hang":
            time.sleep(3)
        elif route == "flaky":
            cls.flaky_hits += 1
            if cls.flaky_hits == 1:
                self.send_error(503, "try later")
            else:
                self._send(cls.payload)
        else:
            self.send_error(404, "no such file")


@pytest.fixture()
def server(serve_http) -> str:
    """The routes above on a local server, started and stopped by the test."""
    _Handler.flaky_hits = 0
    return serve_http(_Handler)


def _entry(*urls: str) -> DataFile:
    return DataFile(
        name="labels-idx1-ubyte.gz",
        urls=urls,
        checksum=f"md5:{hashlib.md5(SERVED).hexdigest()}",
        size=len(SERVED),
        content_sha256=hashlib.sha256(CONTENT).hexdigest(),
        format="idx",
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_lands_verified_with_no_part_file(server, tmp_path):
    dest = tmp_path / "d" / "labels-idx1-ubyte.gz"
    assert store.download(_entry(f"{server}/good"), dest, **FAST) == dest
    assert dest.read_bytes() == SERVED
    assert _leftovers(dest.parent) == ["labels-idx1-ubyte.gz"]


def test_truncated_transfer_leaves_nothing_and_says_so(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError) as info:
        store.download(_entry(f"{server}/truncated"), dest, **FAST)
    assert "connection closed" in info.value.message or "bytes" in info.value.message
    assert _leftovers(tmp_path) == []


def test_wrong_file_fails_verification_on_every_try(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError) as info:
        store.download(_entry(f"{server}/wrong"), dest, **FAST)
    message = info.value.message
    assert message.count("/wrong (try") == FAST["retries"]
    assert "failed verification" in message or "magic" in message
    assert str(dest) in info.value.fix  # tells where to put a manual download
    assert _leftovers(tmp_path) == []


def test_hanging_server_times_out_with_a_message(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"no answer within 0\.3 s"):
        store.download(_entry(f"{server}/hang"), dest, timeout=0.3, retries=1, backoff=0)
    assert time.monotonic() - start < 2.5
    assert _leftovers(tmp_path) == []


def test_missing_file_moves_on_to_the_next_mirror_without_retrying(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/missing", f"{server}/good"), dest, **FAST)
    assert dest.read_bytes() == SERVED


def test_server_error_is_retried_then_succeeds(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/flaky"), dest, **FAST)
    assert _Handler.flaky_hits == 2
    assert dest.read_bytes() == SERVED


def test_no_network_lists_each_url_tried(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dest = tmp_path / "labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError) as info:
        store.download(_entry(f"http://127.0.0.1:{port}/a"), dest, timeout=1, retries=1)
    assert f"127.0.0.1:{port}/a (try 1)" in info.value.message
    assert "check the network" in info.value.fix
    assert _leftovers(tmp_path) == []


def test_fetch_downloads_only_what_is_missing_then_reuses_it(server, tmp_path, monkeypatch):
    entry = _entry(f"{server}/good")
    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    [path] = store.fetch("toy", tmp_path, **FAST)
    assert path == tmp_path / "toy" / entry.name
    assert store.require("toy", entry.name, tmp_path) == path
    requests_before = _Handler.flaky_hits
    offline = replace(entry, urls=("http://127.0.0.1:9/unreachable",))
    monkeypatch.setitem(catalog.DATASETS, "toy", replace(toy, files=(offline,)))
    assert store.fetch("toy", tmp_path, **FAST) == [path]  # present: nothing downloaded
    assert _Handler.flaky_hits == requests_before


def test_fetch_replaces_a_damaged_copy(server, tmp_path, monkeypatch):
    entry = _entry(f"{server}/good")
    monkeypatch.setitem(
        catalog.DATASETS,
        "toy",
        catalog.Dataset(name="toy", folder="toy", title="toy", files=(entry,)),
    )
    damaged = tmp_path / "toy" / entry.name
    damaged.parent.mkdir()
    damaged.write_bytes(b"garbage")
    store.fetch("toy", tmp_path, **FAST)
    assert damaged.read_bytes() == SERVED


def test_unwritable_data_dir_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")  # fails even for root
    with pytest.raises(DataError, match="cannot create") as info:
        store.download(_entry("http://127.0.0.1:9/x"), blocker / "sub" / "f.gz", **FAST)
    assert "--data-dir" in info.value.fix


def test_cli_fetch_all_downloads_every_missing_data_set(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(_entry(f"{server}/good"),))
    monkeypatch.setattr(catalog, "DATASETS", {"toy": toy})
    monkeypatch.setattr(access, "DATASETS", {"toy": toy})
    result = CliRunner().invoke(
        app,
        ["data", "fetch", "all", "--data-dir", str(tmp_path), "--timeout", "1", "--retries", "1"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "toy" / "labels-idx1-ubyte.gz").read_bytes() == SERVED


def test_cli_fetch_reports_an_unreachable_server_without_a_traceback(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    toy = catalog.Dataset(
        name="toy", folder="toy", title="toy", files=(_entry("http://127.0.0.1:9/gone"),)
    )
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    result = CliRunner().invoke(
        app,
        ["data", "fetch", "toy", "--data-dir", str(tmp_path), "--timeout", "1", "--retries", "1"],
    )
    assert result.exit_code == 2
    assert "could not download labels-idx1-ubyte.gz" in result.output
    assert "fix:" in result.output and "Traceback" not in result.output


def test_a_recompressed_download_is_accepted_by_its_content(server, tmp_path, monkeypatch):
    recompressed = gzip.compress(CONTENT, compresslevel=1, mtime=99)
    assert recompressed != SERVED  # its md5 is not the official one
    monkeypatch.setattr(_Handler, "payload", recompressed)
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/good"), dest, **FAST)
    assert dest.read_bytes() == recompressed
