"""The verdict cache: what it reads back is checked against what it writes, and a cache
that cannot be written or read only costs a re-check, with one warning, never a run."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import logging
import struct

import pytest

from d2lkit.data import integrity, store, verdicts
from d2lkit.data.catalog import DataFile

LABELS = struct.pack(">ii", 2049, 5) + bytes([0, 1, 2, 3, 4])
SERVED = gzip.compress(LABELS, mtime=0)
ENTRY = DataFile(
    name="labels-idx1-ubyte.gz",
    urls=(),
    checksum=f"md5:{hashlib.md5(SERVED).hexdigest()}",
    size=len(SERVED),
    content_sha256=hashlib.sha256(LABELS).hexdigest(),
    format="idx",
)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """A verdict cache of this test's own, a labels file to verify, and a hash counter."""
    monkeypatch.setenv(store.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.setattr(verdicts, "_WARNED", set())  # each test sees its own first warning
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(SERVED)
    hashed: list[object] = []
    real = integrity.digest
    monkeypatch.setattr(integrity, "digest", lambda p, a: hashed.append(p) or real(p, a))
    return tmp_path / "cache" / "verified.json", path, hashed


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1, 2, 3]", "holds a JSON list, not the object d2lkit writes"),
        ('"verdicts"', "holds a JSON string, not the object d2lkit writes"),
        ("{not json", "is not valid JSON"),
        ("\xff\xfe", "is not valid JSON"),
    ],
    ids=["list", "string", "not-json", "not-utf8"],
)
def test_a_cache_of_the_wrong_shape_is_ignored_with_one_warning_and_rebuilt(
    cache, caplog, text, said
):
    cache_file, path, hashed = cache
    cache_file.parent.mkdir()
    cache_file.write_text(text, encoding="latin-1")
    store.verify(path, ENTRY)  # never an exception: the file is hashed instead
    store.verify(path, ENTRY)
    assert len(hashed) == 1  # the second verify trusted the rebuilt cache
    [warning] = _warnings(caplog)
    assert str(cache_file) in warning and said in warning and "rebuilt" in warning
    assert list(json.loads(cache_file.read_text())) == [str(path.resolve())]  # rebuilt


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("size", "25", "size is '25' (a str), expected an int"),
        ("size", 25.0, "size is 25.0 (a float), expected an int"),
        ("mtime_ns", True, "mtime_ns is True (a bool), expected an int"),
        ("inode", [1], "inode is [1] (a list), expected a list of 2 ints"),
        ("sample", None, "sample is None (a NoneType), expected a str"),
        (None, None, "is missing"),  # the field removed
    ],
    ids=["str", "float", "bool", "short-list", "null", "missing"],
)
def test_a_verdict_with_a_wrong_typed_field_is_dropped_not_trusted(
    cache, caplog, field, value, said
):
    cache_file, path, hashed = cache
    store.verify(path, ENTRY)
    saved = json.loads(cache_file.read_text())
    stamp = saved[str(path.resolve())]
    if field is None:
        del stamp["sample"]
    else:
        stamp[field] = value
    cache_file.write_text(json.dumps(saved))
    store.verify(path, ENTRY)
    assert len(hashed) == 2  # hashed again: a verdict of the wrong shape proves nothing
    [warning] = _warnings(caplog)
    assert str(cache_file) in warning and said in warning
    assert json.loads(cache_file.read_text())[str(path.resolve())]["sample"]  # rebuilt


def test_a_cache_entry_that_is_not_an_object_is_dropped(cache, caplog):
    cache_file, path, hashed = cache
    cache_file.parent.mkdir()
    cache_file.write_text(json.dumps({str(path.resolve()): [1, 2], "/elsewhere": 5}))
    store.verify(path, ENTRY)
    assert len(hashed) == 1
    [warning] = _warnings(caplog)
    assert "is [1, 2] (a list), expected an object" in warning


def test_a_cache_that_cannot_be_written_warns_once_and_the_run_goes_on(cache, caplog, fail_writes):
    cache_file, path, hashed = cache
    fail_writes(errno.EROFS, match=lambda p: p.startswith(str(cache_file.parent)), at="open")
    store.verify(path, ENTRY)
    store.verify(path, ENTRY)
    assert len(hashed) == 2  # nothing could be remembered: checked again, still no error
    [warning] = _warnings(caplog)
    assert f"cannot write {cache_file}: the file system holding" in warning
    assert "checked again next time" in warning and "$D2LKIT_CACHE" in warning
    assert not cache_file.parent.exists() or list(cache_file.parent.iterdir()) == []
