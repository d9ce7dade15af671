"""Downloads against a local HTTP server: good, truncated, wrong, hanging, missing."""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import multiprocessing
import os
import socket
import struct
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from d2lkit.data import access, catalog, store
from d2lkit.data.catalog import DataFile
from d2lkit.errors import ConfigError, DownloadError
from d2lkit.write_errors import WriteError

CONTENT = struct.pack(">ii", 2049, 3000) + bytes(i % 10 for i in range(3000))
SERVED = gzip.compress(CONTENT, mtime=0)
FAST = {"timeout": 1.0, "retries": 2, "backoff": 0.01}


class _Handler(BaseHTTPRequestHandler):
    """Routes: /good, /truncated, /wrong, /hang, /missing, /flaky (fails once, then good),
    /slow (the file in ten pieces over a second), /trickle (a byte every 0.2 s), /huge and
    /huge-announced (far more bytes than the file has), and any path ending in the file's
    name (a mirror). Every path asked for is recorded in ``requests``."""

    payload = SERVED
    flaky_hits = 0
    requests: ClassVar[list[str]] = []

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
        cls.requests.append(self.path)
        if self.path.startswith("/gone/"):  # a mirror that lacks the file
            self.send_error(404, "no such file")
        elif route in ("good", "labels-idx1-ubyte.gz"):
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
        elif route in ("slow", "trickle"):
            self._send_slowly(cls.payload, route)
        elif route == "huge":  # no Content-Length: the size shows only while reading
            self.send_response(200)
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.write(cls.payload + bytes(400_000))
        elif route == "huge-announced":
            self._send(cls.payload + bytes(400_000))
        else:
            self.send_error(404, "no such file")

    def _send_slowly(self, body: bytes, route: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step, pause = (max(1, len(body) // 10), 0.1) if route == "slow" else (1, 0.2)
        try:
            for i in range(0, len(body), step):
                self.wfile.write(body[i : i + step])
                self.wfile.flush()
                time.sleep(pause)
        except OSError:  # the client gave up
            self.close_connection = True


@pytest.fixture(autouse=True)
def _downloads_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests download (from a local server, or from nowhere): the suite's offline is off."""
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)


@pytest.fixture()
def server(serve_http) -> str:
    """The routes above on a local server, started and stopped by the test."""
    _Handler.flaky_hits = 0
    _Handler.requests = []
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
    with pytest.raises(WriteError, match="cannot create the folder") as info:
        store.download(_entry("http://127.0.0.1:9/x"), blocker / "sub" / "f.gz", **FAST)
    assert f"{blocker} is a file, not a folder" in info.value.message
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
    assert "toy: 1 file missing" in result.output and "no network" in result.output
    assert "http://127.0.0.1:9/gone" in result.output  # where to get it by hand
    assert "fix:" in result.output and "Traceback" not in result.output


def test_a_recompressed_download_is_accepted_by_its_content(server, tmp_path, monkeypatch):
    recompressed = gzip.compress(CONTENT, compresslevel=1, mtime=99)
    assert recompressed != SERVED  # its md5 is not the official one
    monkeypatch.setattr(_Handler, "payload", recompressed)
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/good"), dest, **FAST)
    assert dest.read_bytes() == recompressed


def test_more_bytes_than_the_catalog_lists_are_cut_off_and_named(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError) as info:
        store.download(_entry(f"{server}/huge", f"{server}/huge-announced"), dest, **FAST)
    message = info.value.message
    assert f"{server}/huge (try 1): sent more than expected: received" in message
    assert f"expected {len(SERVED)} bytes" in message
    assert f"{server}/huge-announced (try 1): announced {len(SERVED) + 400_000} bytes" in message
    assert "(try 2)" not in message  # an oversized answer is not worth a retry
    assert _leftovers(tmp_path) == []


def test_a_trickling_server_is_stopped_by_the_deadline_of_a_try(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    start = time.monotonic()
    with pytest.raises(DownloadError, match="deadline") as info:
        # a byte every 0.2 s never trips the 0.5 s per-read timeout; the whole try is bounded
        store.download(_entry(f"{server}/trickle"), dest, timeout=0.5, retries=1)
    assert time.monotonic() - start < 3
    assert "bytes received" in info.value.message
    assert _leftovers(tmp_path) == []


def test_an_explicit_deadline_bounds_a_try(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"deadline of 0\.3 s"):
        store.download(_entry(f"{server}/slow"), dest, timeout=5, retries=1, deadline=0.3)
    assert time.monotonic() - start < 2


def test_the_mirror_is_tried_before_the_catalog_urls(server, tmp_path, monkeypatch):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/good"), dest, mirror=f"{server}/mirror/", **FAST)
    assert _Handler.requests == ["/mirror/labels-idx1-ubyte.gz"]
    dest.unlink()
    monkeypatch.setenv("D2LKIT_MIRROR", f"{server}/env-mirror")
    store.download(_entry(f"{server}/good"), dest, **FAST)
    assert _Handler.requests[-1] == "/env-mirror/labels-idx1-ubyte.gz"
    assert dest.read_bytes() == SERVED


def test_a_failing_mirror_falls_back_to_the_catalog_urls(server, tmp_path):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    store.download(_entry(f"{server}/good"), dest, mirror=f"{server}/gone", **FAST)
    assert _Handler.requests == ["/gone/labels-idx1-ubyte.gz", "/good"]
    assert dest.read_bytes() == SERVED


def test_cli_fetch_takes_a_mirror(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(_entry(f"{server}/x"),))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    args = ["data", "fetch", "toy", "--data-dir", str(tmp_path), "--mirror", f"{server}/m"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _Handler.requests == ["/m/labels-idx1-ubyte.gz"]


def _download_in_child(entry: DataFile, dest: Path, start: object, results: object) -> None:
    start.wait(30)  # type: ignore[attr-defined]  # start together, so the downloads overlap
    try:
        path = store.download(entry, dest, timeout=5, retries=1)
        results.put(("ok", str(path)))  # type: ignore[attr-defined]
    except BaseException as exc:
        results.put(("error", repr(exc)))  # type: ignore[attr-defined]


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork (POSIX)"
)
def test_two_processes_fetching_one_file_take_turns(server, tmp_path):
    ctx = multiprocessing.get_context("fork")  # real processes, without re-importing torch
    entry = _entry(f"{server}/slow")  # a second to serve: the second process arrives meanwhile
    dest = tmp_path / "data" / entry.name
    start, results = ctx.Barrier(2), ctx.Queue()
    children = [
        ctx.Process(target=_download_in_child, args=(entry, dest, start, results)) for _ in range(2)
    ]
    for child in children:
        child.start()
    try:
        outcomes = [results.get(timeout=30) for _ in children]
    finally:
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
    assert outcomes == [("ok", str(dest))] * 2
    assert _Handler.requests == ["/slow"]  # the second process used the first one's file
    assert dest.read_bytes() == SERVED
    assert _leftovers(dest.parent) == [entry.name]  # no .part, no lock file left


def test_cli_run_passes_timeout_and_mirror_to_the_download(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    ds = catalog.get_dataset("fashion-mnist")
    offline = tuple(replace(f, urls=(f"{server}/gone/official/{f.name}",)) for f in ds.files)
    monkeypatch.setitem(catalog.DATASETS, "fashion-mnist", replace(ds, files=offline))
    args = ["run", "softmax-regression", "--data-dir", str(tmp_path), "--quiet"]
    args += ["--out", str(tmp_path / "runs"), "--timeout", "0.7", "--mirror", f"{server}/gone"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert _Handler.requests == [  # the mirror first, then the catalog's URL
        "/gone/train-images-idx3-ubyte.gz",
        "/gone/official/train-images-idx3-ubyte.gz",
    ]
    assert "could not download train-images-idx3-ubyte.gz" in result.output
    assert "Traceback" not in result.output


# --- failed writes: one explained error, not a retried "download" failure ------------------


def test_a_full_disk_during_a_download_is_explained_not_retried(server, tmp_path, fail_writes):
    dest = tmp_path / "d" / "labels-idx1-ubyte.gz"
    fail_writes(errno.ENOSPC, match=lambda p: p.endswith(".part"), after=len(SERVED) // 2)
    with pytest.raises(WriteError) as info:
        store.download(_entry(f"{server}/good", f"{server}/good"), dest, **FAST)
    assert info.value.errno == errno.ENOSPC
    assert info.value.message.startswith(f"cannot write {dest}: no space left on the device")
    assert "df -h" in info.value.fix and "--data-dir" in info.value.fix
    assert _Handler.requests == ["/good"]  # a full disk is not worth another try, or URL
    assert not dest.parent.exists()  # no .part, no lock, not even the new folder


def test_a_download_past_ulimit_f_is_explained_and_leaves_nothing(
    server, tmp_path, file_size_limit
):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    with file_size_limit(len(SERVED) // 2), pytest.raises(WriteError) as info:
        store.download(_entry(f"{server}/good"), dest, **FAST)
    assert info.value.errno == errno.EFBIG and "ulimit -f" in info.value.message
    assert _leftovers(tmp_path) == []


def test_a_read_only_data_folder_is_explained_at_the_first_write(server, tmp_path, fail_writes):
    dest = tmp_path / "labels-idx1-ubyte.gz"
    fail_writes(errno.EROFS, at="open")  # lock files are skipped; the download's file is not
    with pytest.raises(WriteError) as info:
        store.download(_entry(f"{server}/good"), dest, **FAST)
    assert f"the file system holding {tmp_path} is read-only" in info.value.message
    assert _leftovers(tmp_path) == []


# --- numbers bounded at the edge: checked before any work ------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("timeout", 1e10, "timeout must be a number of seconds from 0.1 to 86400, got 1e+10"),
        ("timeout", 0.0, "timeout must be a number of seconds from 0.1 to 86400, got 0"),
        ("timeout", float("nan"), "got nan"),
        ("timeout", float("inf"), "got inf"),
        ("timeout", "30", "got '30' (a str)"),
        ("retries", 0, "retries must be a whole number from 1 to 20, got 0"),
        ("retries", 2.5, "got 2.5 (a float)"),
        ("retries", 10**9, "got 1000000000"),
        ("retries", True, "got True (a bool)"),
        ("backoff", -1.0, "backoff must be a number of seconds from 0 to 600, got -1"),
        ("backoff", 1e300, "got 1e+300"),
        ("deadline", 0.0, "deadline must be None or a number of seconds from 0.1 to 604800"),
        ("deadline", float("nan"), "got nan"),
    ],
)
def test_download_options_out_of_range_are_refused_before_any_work(
    server, tmp_path, option, value, said
):
    options = {**FAST, option: value}
    with pytest.raises(ConfigError) as info:
        store.download(_entry(f"{server}/good"), tmp_path / "d" / "f.gz", **options)
    assert said in info.value.message and info.value.fix
    assert _Handler.requests == [] and _leftovers(tmp_path) == []


def test_backoff_that_would_wait_for_hours_is_refused(server, tmp_path):
    with pytest.raises(ConfigError) as info:
        store.download(_entry(f"{server}/good"), tmp_path / "f.gz", retries=20, backoff=60)
    assert "the last wait would be 60 * 2**18 = 15728640 s" in info.value.message
    assert _Handler.requests == []


@pytest.mark.parametrize("mirror", ["mirror.example.org/data", "ftp//x", "   "])
def test_a_mirror_that_is_no_url_is_refused(server, tmp_path, mirror):
    with pytest.raises(ConfigError, match="is not an http") as info:
        store.download(_entry(f"{server}/good"), tmp_path / "f.gz", mirror=mirror, **FAST)
    assert "https://" in info.value.fix and _Handler.requests == []


def test_fetch_checks_its_numbers_before_verifying_anything(server, tmp_path, monkeypatch):
    entry = _entry(f"{server}/good")
    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    store.fetch("toy", tmp_path, **FAST)
    verified: list[object] = []
    monkeypatch.setattr(access, "verify", lambda *a, **k: verified.append(a))
    with pytest.raises(ConfigError, match="timeout"):
        store.fetch("toy", tmp_path, timeout=1e10)
    assert verified == []


def test_cli_fetch_with_a_huge_timeout_says_so_without_a_traceback(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    toy = catalog.Dataset(name="toy", folder="toy", title="toy", files=(_entry(f"{server}/x"),))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    args = ["data", "fetch", "toy", "--data-dir", str(tmp_path), "--timeout", "1e10"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert "timeout must be a number of seconds from 0.1 to 86400" in result.output
    assert _Handler.requests == []


@pytest.mark.parametrize("before", [None, "0", "1"])
def test_downloads_off_holds_only_within_and_gives_back_what_was_set(monkeypatch, before):
    from d2lkit.data.download import ENV_OFFLINE, downloads_off, offline_by_env

    if before is None:
        monkeypatch.delenv(ENV_OFFLINE, raising=False)
    else:
        monkeypatch.setenv(ENV_OFFLINE, before)
    with pytest.raises(KeyError), downloads_off():
        assert offline_by_env()
        raise KeyError("an error inside still restores")
    assert os.environ.get(ENV_OFFLINE) == before
