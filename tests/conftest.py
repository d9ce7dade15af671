"""Shared fixtures: the real data folder, an isolated verdict cache, small helpers."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _find_shared_data() -> Path | None:
    for candidate in (os.environ.get("D2LKIT_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "fashion-mnist").is_dir():
            return Path(candidate).resolve()
    return None


SHARED_DATA = _find_shared_data()


def pytest_configure(config: pytest.Config) -> None:
    # Verdicts of verified files go to a throwaway folder, never to ~/.cache.
    os.environ["D2LKIT_CACHE"] = tempfile.mkdtemp(prefix="d2lkit-test-cache-")
    # Hypothesis keeps caches (constants, examples) in ./.hypothesis: in the throwaway folder
    # instead, so a test run leaves nothing in the repository.
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(
        os.environ["D2LKIT_CACHE"], "hypothesis"
    )
    # Library readers download missing data on first use; tests never reach the internet,
    # so downloads are off here, absolutely (no socket is opened). A test that wants them
    # uses the local server (`serve_http` unsets this) or removes it with monkeypatch.delenv.
    # No mirror of the user's leaks in either.
    os.environ["D2LKIT_OFFLINE"] = "1"
    os.environ.pop("D2LKIT_MIRROR", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    shutil.rmtree(os.environ.pop("D2LKIT_CACHE", ""), ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--download",
        action="store_true",
        help="also run the tests marked `download` (they reach the internet)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The markers do what pyproject.toml says: `download` tests run only with --download,
    # `gpu` tests only where CUDA is available. Both skip (and say why) otherwise.
    if not config.getoption("--download"):
        skip = pytest.mark.skip(reason="reaches the internet: run with --download")
        for item in items:
            if "download" in item.keywords:
                item.add_marker(skip)
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if gpu_items:
        import torch

        if not torch.cuda.is_available():
            skip = pytest.mark.skip(reason="needs a CUDA device")
            for item in gpu_items:
                item.add_marker(skip)


@pytest.fixture()
def serve_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """``serve_http(handler)`` starts an HTTP server on 127.0.0.1 and returns its base URL.

    Every server it started is stopped when the test ends: the tests' only "network".
    A test that uses it downloads, so ``$D2LKIT_OFFLINE`` (set for the suite) is unset.
    """
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    servers: list[ThreadingHTTPServer] = []

    def start(handler: Callable[..., BaseHTTPRequestHandler]) -> str:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The real data sets (the data directory, $D2LKIT_DATA), read in place."""
    if SHARED_DATA is None:
        pytest.skip(
            "real data not found: set D2LKIT_DATA to the data directory "
            "(the folder holding fashion-mnist/)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def fashion_mnist(data_root: Path):
    """Fashion-MNIST (train, test) read once per session."""
    from d2lkit.data import read_fashion_mnist

    return read_fashion_mnist("train", data_root), read_fashion_mnist("test", data_root)


class _FailingFile:
    """A file open for writing that fails with ``number`` once ``after`` bytes are written.

    The bytes before the failure do reach the file, as on a disk that fills up
    mid-write: a test then checks that no partial file is left.
    """

    def __init__(self, file: io.IOBase, number: int, after: int) -> None:
        self._file, self._number, self._left = file, number, after

    def write(self, data: bytes | str) -> int:
        if len(data) <= self._left:
            self._left -= len(data)
            return self._file.write(data)  # type: ignore[attr-defined]
        self._file.write(data[: self._left])  # type: ignore[attr-defined]
        self._left = 0
        self._file.flush()
        raise OSError(self._number, os.strerror(self._number))

    def __getattr__(self, name: str) -> object:
        return getattr(self._file, name)

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.fixture()
def fail_writes(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``fail_writes(errno.ENOSPC, match=..., after=0, at="write")``: writes fail with that errno.

    Every file opened for writing (through ``open``/``Path.open``, and ``os.open``
    for ``at="open"``) whose path ``match``es fails: at ``open`` (as a read-only
    file system does) or at the first ``write`` past ``after`` bytes (as a full
    disk does). For causes a test
    cannot make for real (no space left, a read-only file system, a read-only
    folder when the tests run as root); the raised errors are the real errno's.
    """
    import builtins

    real_open, real_os_open = io.open, os.open

    def install(
        number: int,
        *,
        match: Callable[[str], bool] = lambda path: True,
        after: int = 0,
        at: str = "write",
    ) -> None:
        def fake_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
            writing = any(flag in mode for flag in "wxa+")
            if not (writing and isinstance(file, str | os.PathLike) and match(os.fspath(file))):
                return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]
            if at == "open":
                raise OSError(number, os.strerror(number), os.fspath(file))
            handle = real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]
            return _FailingFile(handle, number, after)

        def fake_os_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
            writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            if at == "open" and writing and match(os.fspath(path)):  # type: ignore[arg-type]
                raise OSError(number, os.strerror(number), os.fspath(path))  # type: ignore[arg-type]
            return real_os_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(io, "open", fake_open)
        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(os, "open", fake_os_open)

    return install


@pytest.fixture()
def file_size_limit() -> Iterator[Callable[[int], contextlib.AbstractContextManager[None]]]:
    """``with file_size_limit(n): ...``: inside the block, files of at most ``n`` bytes.

    The real ``RLIMIT_FSIZE`` that ``ulimit -f`` sets (Python ignores ``SIGXFSZ``, so a
    write past it fails with ``EFBIG``). The old limit is back when the block ends (and at
    the latest when the test does): pytest's own report, written into a log file after the
    test's body, must never meet the limit.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

    @contextlib.contextmanager
    def limit(n: int) -> Iterator[None]:
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


# --- files in the real formats, put where the store looks (NLP readers) -------------------


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

    from d2lkit.data import catalog

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


# --- a real terminal: a pty of a given size -------------------------------------------------


def _run_in_pty(code: str, columns: int, lines: int) -> str:
    """Run ``python -c code`` in a pseudo-terminal of ``columns`` x ``lines``; its output."""
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise AssertionError("the script printed nothing for 60 s")
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        assert proc.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode("utf-8")


@pytest.fixture()
def run_in_pty() -> Callable[[str, int, int], str]:
    """``run_in_pty(code, columns, lines)``: ``python -c code`` in a terminal of that size."""
    return _run_in_pty
