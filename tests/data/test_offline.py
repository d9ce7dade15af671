"""No network: one fast message naming every missing file; library readers download on first use.

"No network" is simulated two ways, never by reaching the internet: DNS lookups
that fail (``socket.getaddrinfo`` patched), and URLs on a closed local port
(connection refused). The "internet" a download reaches is a local HTTP server.
"""

from __future__ import annotations

import errno
import functools
import gzip
import hashlib
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from typer.testing import CliRunner

from d2lkit.data import access, catalog, store, vision
from d2lkit.data.catalog import DataFile, Dataset
from d2lkit.errors import DataError
from d2lkit.registry import Registry

FASHION = catalog.get_dataset("fashion-mnist")


@pytest.fixture()
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DNS lookup fails at once, as on a machine without a network; returns the hosts.

    Downloads are on (the suite turns them off): what is tested is a network that fails.
    """
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    hosts: list[str] = []

    def fail(host: str, *args: object, **kwargs: object) -> object:
        hosts.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    return hosts


@pytest.fixture()
def closed_port(monkeypatch: pytest.MonkeyPatch) -> str:
    """A base URL on 127.0.0.1 that nobody listens on: connection refused (downloads on)."""
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _assert_names_every_file(text: str, dataset: Dataset, folder: Path) -> None:
    for entry in dataset.files:
        assert entry.url in text, entry.url  # the URL names the file too
    assert str(folder) in text


# --- 1. an offline first run ----------------------------------------------------------


def test_offline_first_run_ends_fast_with_one_message_naming_every_file(no_dns, tmp_path):
    import d2lkit.experiments.run.driver  # noqa: F401  (torch is imported before the clock starts)
    from d2lkit.cli import app

    # and so is what typer imports on its first parse (pydantic): the clock times d2lkit's work
    assert CliRunner().invoke(app, ["run", "no-such-recipe"]).exit_code == 2
    args = ["run", "softmax-regression", "--data-dir", str(tmp_path / "data"), "--quiet"]
    start = time.monotonic()
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "runs")])
    elapsed = time.monotonic() - start
    assert result.exit_code == 2, result.output
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    out = result.output
    assert out.count("error:") == 1 and "Traceback" not in out
    assert "4 files missing" in out and "no network" in out and "no DNS answer" in out
    _assert_names_every_file(out, FASHION, tmp_path / "data" / "fashion-mnist")
    assert "--data-dir" in out and "D2LKIT_DATA" in out and "`d2lkit data list`" in out
    # each URL of the first file was asked once, without retries; no other file was tried
    assert len(no_dns) == len(FASHION.files[0].urls)


def test_offline_flag_names_every_missing_file_without_touching_the_network(no_dns, tmp_path):
    from d2lkit.cli import app

    args = ["run", "softmax-regression", "--offline", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2, result.output
    assert "downloads are off (--offline)" in result.output
    _assert_names_every_file(result.output, FASHION, tmp_path / "fashion-mnist")
    assert "d2lkit data fetch fashion-mnist" in result.output
    assert no_dns == []


def test_refused_connections_are_not_retried(closed_port, tmp_path):
    entry = DataFile(name="a.bin", urls=(f"{closed_port}/a", f"{closed_port}/b"), checksum="x")
    start = time.monotonic()
    with pytest.raises(store.Unreachable) as info:
        store.download(entry, tmp_path / "a.bin", retries=3, backoff=1.0)
    assert time.monotonic() - start < 1.0  # no backoff: a refused connection stays refused
    message = info.value.message
    assert "(try 1): connection refused" in message and "(try 2)" not in message
    assert f"{closed_port}/b (try 1)" in message  # every URL is still tried once
    assert f"could not reach {closed_port[7:]} (connection refused)" == info.value.reason


def test_a_data_set_without_network_fails_at_its_first_file(closed_port, tmp_path, monkeypatch):
    files = tuple(
        DataFile(name=f"f{i}.bin", urls=(f"{closed_port}/f{i}.bin",), checksum="sha1:0")
        for i in range(3)
    )
    toy = Dataset(name="toy", folder="toy", title="toy", files=files)
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    tried: list[str] = []
    real_download = access.download

    def download(entry: DataFile, dest: Path, **kwargs: object) -> Path:
        tried.append(entry.name)
        return real_download(entry, dest, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(access, "download", download)
    start = time.monotonic()
    with pytest.raises(store.DataSetUnavailable) as info:
        store.fetch("toy", tmp_path)  # the default retries and backoff
    assert time.monotonic() - start < 2.0
    assert tried == ["f0.bin"]
    assert info.value.missing == ("f0.bin", "f1.bin", "f2.bin")
    _assert_names_every_file(str(info.value), toy, tmp_path / "toy")


# --- 2. library readers download on first use -------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _idx_gz(shape: tuple[int, ...]) -> tuple[bytes, bytes]:
    """(the .gz as served, its content) of a small IDX file of uint8 zeros and ones."""
    count = 1
    for n in shape:
        count *= n
    content = struct.pack(f">i{len(shape)}i", 0x0800 | len(shape), *shape)
    content += bytes(i % 2 for i in range(count))
    return gzip.compress(content, mtime=0), content


@pytest.fixture()
def tiny_fashion(tmp_path, serve_http, closed_port, monkeypatch) -> Dataset:
    """Fashion-MNIST made tiny (4 train, 3 test images), served by a local mirror only.

    The catalog's own URLs point at a closed port; ``$D2LKIT_MIRROR`` at the server.
    """
    served = tmp_path / "served"
    served.mkdir()
    files = []
    for entry, shape in zip(FASHION.files, ((4, 28, 28), (4,), (3, 28, 28), (3,)), strict=True):
        gz, content = _idx_gz(shape)
        (served / entry.name).write_bytes(gz)
        files.append(
            replace(
                entry,
                urls=(f"{closed_port}/{entry.name}",),
                checksum=f"md5:{hashlib.md5(gz).hexdigest()}",
                size=len(gz),
                content_sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    tiny = replace(FASHION, files=tuple(files))
    monkeypatch.setitem(catalog.DATASETS, "fashion-mnist", tiny)
    url = serve_http(functools.partial(_QuietHandler, directory=str(served)))
    monkeypatch.setenv("D2LKIT_MIRROR", url)
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)  # the test suite turns downloads off
    return tiny


def test_a_library_reader_downloads_missing_files_on_first_use(tiny_fashion, tmp_path):
    root = tmp_path / "data"
    train, test = vision.fashion_mnist_loaders(batch_size=2, root=root)
    assert sorted(p.name for p in (root / "fashion-mnist").iterdir()) == sorted(
        f.name for f in tiny_fashion.files
    )  # the whole data set, verified, with no .part or lock left
    assert len(train) == 2  # 4 images in batches of 2
    X, y = next(iter(test))
    assert X.shape == (2, 1, 28, 28) and y.shape == (2,)
    assert vision.read_fashion_mnist("test", root, download=False).images.shape[0] == 3


def _assert_library_advice(error: DataError) -> None:
    text = str(error)
    assert "root=" in text and "D2LKIT_DATA" in text and "download=True" in text
    assert "--" not in text and "d2lkit data" not in text  # no command-line advice in a library


def test_download_false_names_every_missing_file_for_library_code(tiny_fashion, tmp_path):
    with pytest.raises(store.DataSetUnavailable) as info:
        vision.fashion_mnist_loaders(batch_size=2, root=tmp_path, download=False)
    assert "4 files missing" in info.value.message and "download=False" in info.value.message
    _assert_names_every_file(str(info.value), tiny_fashion, tmp_path / "fashion-mnist")
    _assert_library_advice(info.value)
    assert not (tmp_path / "fashion-mnist").exists()  # nothing was downloaded


def test_d2lkit_offline_turns_library_downloads_off(tiny_fashion, tmp_path, monkeypatch):
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    with pytest.raises(store.DataSetUnavailable, match=r"D2LKIT_OFFLINE=1") as info:
        vision.read_fashion_mnist("test", tmp_path)
    _assert_library_advice(info.value)


def test_a_library_reader_without_network_gives_library_advice(no_dns, tmp_path, monkeypatch):
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    start = time.monotonic()
    with pytest.raises(store.DataSetUnavailable) as info:
        vision.read_fashion_mnist("train", tmp_path)
    assert time.monotonic() - start < 2.0
    assert "no network" in info.value.message
    _assert_names_every_file(str(info.value), FASHION, tmp_path / "fashion-mnist")
    _assert_library_advice(info.value)


# --- 3. `d2lkit data fetch all` without a network ---------------------------------------------


def test_fetch_all_offline_is_fast_and_says_one_line_per_data_set(no_dns, tmp_path):
    from d2lkit.cli import app

    start = time.monotonic()
    result = CliRunner().invoke(app, ["data", "fetch", "all", "--data-dir", str(tmp_path)])
    elapsed = time.monotonic() - start
    assert result.exit_code == 2, result.output
    assert elapsed < 5.0, f"took {elapsed:.2f} s"
    lines = result.output.splitlines()
    assert len(lines) <= len(catalog.DATASETS) + 4, result.output
    for name in catalog.DATASETS:
        assert sum(line.startswith(f"  {name}: ") for line in lines) == 1, name
    assert "D2LKIT_DATA" in result.output and "`d2lkit data list`" in result.output
    servers = {
        url.split("/")[0] + url.split("/")[2]
        for d in catalog.DATASETS.values()
        for f in d.files
        for url in f.urls
    }
    assert len(no_dns) == len(servers)  # each server is asked once, not once per file


# --- 4. the catalog is a Registry --------------------------------------------------------


def test_the_catalog_is_a_registry_that_reads_like_a_dict():
    assert isinstance(catalog.DATASETS, Registry)
    assert catalog.DATASETS["mnist"] is catalog.get_dataset("mnist")
    assert catalog.DATASETS.list("*mnist") == ["fashion-mnist", "mnist"]
    assert list(catalog.DATASETS.keys()) == list(catalog.DATASETS)
    with pytest.raises(DataError) as info:
        catalog.get_dataset("fashion-mnst")
    assert info.value.message == "unknown data set 'fashion-mnst'"
    assert info.value.fix == (
        f"did you mean fashion-mnist? `d2lkit data list` shows all {len(catalog.DATASETS)} "
        "data sets"
    )


def _readers() -> list[tuple[str, object]]:
    from d2lkit.data import (
        embeddings,
        imdb,
        nmt,
        pretrained_bert,
        ptb,
        snli,
        tabular,
        text,
        wikitext,
    )

    return [
        ("fashion-mnist", functools.partial(vision.read_fashion_mnist, "train")),
        ("mnist", functools.partial(vision.read_mnist, "test")),
        ("cifar-10", functools.partial(vision.read_cifar10, "train")),
        ("cifar10-tiny", functools.partial(vision.read_cifar10_kaggle, "train")),
        ("kaggle-house", tabular.read_kaggle_house),
        ("airfoil", tabular.read_airfoil),
        ("diabetes", tabular.read_diabetes),
        ("time-machine", text.read_time_machine),
        ("jaychou-lyrics", text.read_jay_lyrics),
        ("aclimdb-tiny", functools.partial(imdb.read_imdb, "train", dataset="aclimdb-tiny")),
        ("ptb", functools.partial(ptb.read_ptb, "train")),
        ("fra-eng", nmt.read_data_nmt),
        ("aclimdb", functools.partial(imdb.read_imdb, "train")),
        ("snli", functools.partial(snli.read_snli, "train")),
        ("wikitext-2", functools.partial(wikitext.read_wiki, "train")),
        ("glove.6b.100d", functools.partial(embeddings.load_token_embedding, "glove.6b.100d")),
        ("bert.small", functools.partial(pretrained_bert.read_pretrained_bert, "bert.small")),
    ]


@pytest.mark.parametrize(("dataset", "reader"), _readers(), ids=[name for name, _ in _readers()])
def test_every_reader_takes_download_false_and_says_where_files_go(dataset, reader, tmp_path):
    with pytest.raises(store.DataSetUnavailable) as info:
        reader(tmp_path, download=False)  # type: ignore[operator]
    assert info.value.dataset == dataset
    ds = catalog.get_dataset(dataset)
    assert str(tmp_path / ds.folder) in info.value.message
    for entry in ds.files:
        assert (entry.url or entry.name) in info.value.fix
    _assert_library_advice(info.value)


def test_a_file_with_no_known_url_is_not_downloaded_but_explained(no_dns, tmp_path, monkeypatch):
    from d2lkit.data import tabular

    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    with pytest.raises(store.DataSetUnavailable, match="no download URL is known") as info:
        tabular.read_diabetes(tmp_path)
    assert "diabetes.csv.gz (no download URL is known" in info.value.fix
    assert no_dns == []


# --- 5. offline is absolute: no socket, whatever is present or damaged -----------------------


@pytest.fixture()
def forbid_sockets(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """``forbid_sockets()`` counts (and refuses) every way to open a connection from then on.

    A test calls it once its data are in place: after that, an offline data layer must call
    none of ``socket.socket``, ``socket.getaddrinfo`` or ``socket.create_connection``. It
    returns the list the calls are recorded in.
    """

    def install() -> list[str]:
        calls: list[str] = []

        def refuse(name: str) -> Callable[..., object]:
            def call(*args: object, **kwargs: object) -> object:
                calls.append(f"{name}{args[:2]}")
                raise OSError(errno.ENETUNREACH, "Network is unreachable (sockets are forbidden)")

            return call

        for name in ("socket", "getaddrinfo", "create_connection"):
            monkeypatch.setattr(socket, name, refuse(name))
        return calls

    return install


def _damage(path: Path) -> tuple[str, str]:
    """Flip one byte of ``path`` in the middle; return its md5 before and after."""
    data = bytearray(path.read_bytes())
    before = hashlib.md5(data).hexdigest()
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return before, hashlib.md5(data).hexdigest()


@pytest.fixture()
def present_tiny_fashion(tiny_fashion: Dataset, tmp_path: Path) -> Path:
    """The tiny Fashion-MNIST fetched (from the local mirror) into ``tmp_path/data``."""
    root = tmp_path / "data"
    store.fetch("fashion-mnist", root)
    return root


def test_cli_offline_with_a_damaged_file_and_a_mirror_opens_no_socket(
    present_tiny_fashion, tiny_fashion, tmp_path, forbid_sockets
):
    from d2lkit.cli import app

    damaged = present_tiny_fashion / "fashion-mnist" / tiny_fashion.files[3].name
    expected, actual = _damage(damaged)
    assert f"md5:{expected}" == tiny_fashion.files[3].checksum  # the test's own arithmetic
    calls = forbid_sockets()  # $D2LKIT_MIRROR still names the local server
    args = ["run", "softmax-regression", "--offline", "--quiet"]
    args += ["--data-dir", str(present_tiny_fashion), "--out", str(tmp_path / "runs")]
    result = CliRunner().invoke(app, args)
    assert calls == []
    assert result.exit_code == 2, result.output
    out = result.output
    assert out.count("error:") == 1 and "Traceback" not in out
    assert "damaged" in out and str(damaged) in out
    assert expected in out and actual in out  # both checksums
    assert "`d2lkit data fetch fashion-mnist`" in out and "NAME" not in out
    assert "missing" not in out and "no network" not in out
    assert damaged.read_bytes() != (tmp_path / "served" / damaged.name).read_bytes()  # untouched


def test_env_offline_fetch_of_a_damaged_file_names_it_and_opens_no_socket(
    present_tiny_fashion, tiny_fashion, monkeypatch, forbid_sockets
):
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    damaged = present_tiny_fashion / "fashion-mnist" / tiny_fashion.files[0].name
    expected, actual = _damage(damaged)
    calls = forbid_sockets()
    with pytest.raises(DataError) as info:
        store.fetch("fashion-mnist", present_tiny_fashion)
    assert calls == []
    text = str(info.value)
    assert "damaged" in info.value.message and str(damaged) in text
    assert expected in text and actual in text
    assert "D2LKIT_OFFLINE=1" in info.value.message
    assert "`d2lkit data fetch fashion-mnist`" in info.value.fix
    assert "missing" not in text and "no network" not in text


def test_env_offline_fetch_of_a_missing_file_opens_no_socket(
    present_tiny_fashion, tiny_fashion, monkeypatch, forbid_sockets
):
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    (present_tiny_fashion / "fashion-mnist" / tiny_fashion.files[1].name).unlink()
    calls = forbid_sockets()
    with pytest.raises(store.DataSetUnavailable, match=r"D2LKIT_OFFLINE=1") as info:
        store.fetch("fashion-mnist", present_tiny_fashion)
    assert info.value.missing == (tiny_fashion.files[1].name,)
    assert calls == []


def test_env_offline_download_itself_refuses_before_any_socket(
    tiny_fashion, tmp_path, monkeypatch, forbid_sockets
):
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    entry = tiny_fashion.files[1]
    calls = forbid_sockets()
    with pytest.raises(DataError, match=r"downloads are off \(\$D2LKIT_OFFLINE=1\)") as info:
        store.download(entry, tmp_path / "x" / entry.name)
    assert calls == []
    assert entry.url in info.value.fix and "D2LKIT_OFFLINE" in info.value.fix
    assert not (tmp_path / "x").exists()  # not even its folder was made


def test_offline_fetch_of_good_files_verifies_them_without_a_socket(
    present_tiny_fashion, tiny_fashion, forbid_sockets
):
    calls = forbid_sockets()
    paths = store.fetch("fashion-mnist", present_tiny_fashion, offline=True)
    assert [p.name for p in paths] == [f.name for f in tiny_fashion.files]
    assert calls == []


def test_env_offline_book_download_of_a_damaged_file_opens_no_socket(
    data_root, tmp_path, monkeypatch, forbid_sockets
):
    from d2lkit.compat import datahub

    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    root = tmp_path / "data"
    (root / "d2l").mkdir(parents=True)
    copy = root / "d2l" / "timemachine.txt"
    copy.write_bytes((data_root / "d2l" / "timemachine.txt").read_bytes())
    _damage(copy)
    calls = forbid_sockets()
    with pytest.raises(DataError) as info:
        datahub.download("time_machine", root)  # the book's own entry
    assert calls == []
    assert "damaged" in info.value.message and "no network" not in str(info.value)
    assert "`d2lkit data fetch time-machine`" in info.value.fix  # the store's data set
