"""The book's DATA_HUB behaves like the dict it is: the entry registered last is the one used,
with its URL and sha1; the store's known copies apply only when the sha1 matches; a URL that
names no file is a clear error. The "internet" is a local HTTP server."""

from __future__ import annotations

import hashlib
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from d2lkit.compat import datahub
from d2lkit.data import catalog
from d2lkit.errors import DataError

FILES = {"/v1/notes.txt": b"first version\n", "/v2/notes.txt": b"second version\n"}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = FILES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@pytest.fixture()
def hub(serve_http, monkeypatch, tmp_path):
    """(the server's URL, an empty data directory); DATA_HUB and the catalog restored after."""
    monkeypatch.setattr(datahub, "DATA_HUB", dict(datahub.DATA_HUB))
    monkeypatch.setattr(catalog, "DATASETS", catalog.DatasetRegistry(catalog.DATASETS.values()))
    from d2lkit.data import access

    monkeypatch.setattr(access, "DATASETS", catalog.DATASETS)
    monkeypatch.setattr(datahub, "DATASETS", catalog.DATASETS)
    return serve_http(_Handler), tmp_path / "data"


def test_a_corrected_sha1_takes_effect_at_once(hub):
    url, root = hub
    datahub.DATA_HUB["notes"] = (f"{url}/v1/notes.txt", "0" * 40)  # a typo in the sha1
    with pytest.raises(DataError):
        datahub.download("notes", root)
    datahub.DATA_HUB["notes"] = (f"{url}/v1/notes.txt", _sha1(FILES["/v1/notes.txt"]))
    assert Path(datahub.download("notes", root)).read_bytes() == FILES["/v1/notes.txt"]


def test_the_entry_registered_last_is_the_one_used_with_its_url_and_sha1(hub):
    url, root = hub
    datahub.DATA_HUB["notes"] = (f"{url}/v1/notes.txt", _sha1(FILES["/v1/notes.txt"]))
    assert Path(datahub.download("notes", root)).read_bytes() == FILES["/v1/notes.txt"]
    datahub.DATA_HUB["notes"] = (f"{url}/v2/notes.txt", _sha1(FILES["/v2/notes.txt"]))
    assert Path(datahub.download("notes", root)).read_bytes() == FILES["/v2/notes.txt"]
    datahub.DATA_HUB["notes"] = (f"{url}/v1/notes.txt", _sha1(FILES["/v1/notes.txt"]))
    assert Path(datahub.download("notes", root)).read_bytes() == FILES["/v1/notes.txt"]


def test_a_name_like_a_catalog_file_keeps_the_users_url_and_sha1(hub, data_root):
    url, root = hub
    shutil.copytree(data_root / "d2l", root / "d2l", ignore=lambda *_: ["ptb.zip", "fra-eng.zip"])
    store_copy = (root / "d2l" / "airfoil_self_noise.dat").read_bytes()
    FILES["/mine/airfoil_self_noise.dat"] = b"my own airfoil table\n"
    try:
        datahub.DATA_HUB["my_airfoil"] = (
            f"{url}/mine/airfoil_self_noise.dat",
            _sha1(FILES["/mine/airfoil_self_noise.dat"]),
        )
        path = Path(datahub.download("my_airfoil", root))
    finally:
        del FILES["/mine/airfoil_self_noise.dat"]
    assert path.read_bytes() == b"my own airfoil table\n"  # the user's file, from the user's URL
    assert (root / "d2l" / "airfoil_self_noise.dat").read_bytes() == store_copy  # untouched


def test_the_stores_copy_is_used_only_when_the_sha1_matches(hub, data_root):
    url, _ = hub
    good = _sha1((data_root / "d2l" / "timemachine.txt").read_bytes())
    datahub.DATA_HUB["tm"] = (f"{url}/elsewhere/timemachine.txt", good)  # not served
    assert Path(datahub.download("tm")) == data_root / "d2l" / "timemachine.txt"
    datahub.DATA_HUB["tm"] = (f"{url}/elsewhere/timemachine.txt", "1" * 40)
    with pytest.raises(DataError) as info:
        datahub.download("tm")  # not the store's file: the user's URL, which has none
    assert f"{url}/elsewhere/timemachine.txt" in str(info.value)


@pytest.mark.parametrize(
    "bad_url",
    [  # a closed local port: nothing is ever asked of a real host
        "http://127.0.0.1:9/data/..",
        "http://127.0.0.1:9/data/.",
        "http://127.0.0.1:9/data/",
        "",
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/data/%2E%2E",
    ],
)
def test_a_url_that_names_no_file_is_a_clear_error(hub, bad_url):
    _, root = hub
    datahub.DATA_HUB["odd"] = (bad_url, "0" * 40)
    with pytest.raises(DataError) as info:
        datahub.download("odd", root)
    assert "DATA_HUB['odd']" in info.value.message and "names no file" in info.value.message
    assert "(url, sha1)" in info.value.fix
    assert not root.exists()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("http://127.0.0.1:9/a.txt", "is a str"),
        (("http://127.0.0.1:9/a.txt",), "is a tuple of 1"),
        (("http://127.0.0.1:9/a.txt", "abc"), "'abc' is not a sha1"),
        ((b"http://127.0.0.1:9/a.txt", "0" * 40), "the URL is a bytes"),
    ],
    ids=["str", "one", "short-sha1", "bytes-url"],
)
def test_an_entry_that_is_not_a_url_and_a_sha1_is_a_clear_error(hub, value, said):
    _, root = hub
    datahub.DATA_HUB["odd"] = value
    with pytest.raises(DataError) as info:
        datahub.download("odd", root)
    assert "DATA_HUB['odd']" in info.value.message and said in info.value.message


def test_a_damaged_own_file_offline_names_the_books_call_as_the_fix(hub, monkeypatch):
    url, root = hub
    datahub.DATA_HUB["notes"] = (f"{url}/v1/notes.txt", _sha1(FILES["/v1/notes.txt"]))
    path = Path(datahub.download("notes", root))
    assert path.parent == root / "hub"  # the user's own files live apart from the store's
    path.write_bytes(b"damaged\n")
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    with pytest.raises(DataError) as info:
        datahub.download("notes", root)
    assert "damaged" in info.value.message and _sha1(b"damaged\n") in info.value.message
    assert "`d2l.download('notes')`" in info.value.fix  # no command line knows hub:notes
