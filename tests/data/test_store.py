"""The data store: where data lives, and that no bad file is ever used silently."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path

import pytest

from d2lkit.data import catalog, integrity, store
from d2lkit.data.catalog import DataFile, Dataset
from d2lkit.errors import DataError

LABELS = struct.pack(">ii", 2049, 5) + bytes([0, 1, 2, 3, 4])  # a valid 5-label IDX file


def _entry(
    content: bytes,
    name: str = "labels-idx1-ubyte.gz",
    *,
    served: bytes | None = None,
    content_checksum: bool = True,
) -> DataFile:
    served = gzip.compress(content, mtime=0) if served is None else served
    return DataFile(
        name=name,
        urls=("http://127.0.0.1:9/x",),
        checksum=f"md5:{hashlib.md5(served).hexdigest()}",
        size=len(served),
        content_sha256=hashlib.sha256(content).hexdigest() if content_checksum else None,
        format="idx",
    )


def test_data_dir_prefers_option_then_environment_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv(store.ENV_DATA, str(tmp_path / "env"))
    assert store.data_dir(tmp_path / "opt") == tmp_path / "opt"
    assert store.data_dir() == tmp_path / "env"
    monkeypatch.delenv(store.ENV_DATA)
    assert store.data_dir() == Path.home() / ".cache" / "d2lkit"


def test_real_fashion_mnist_files_verify_by_content(data_root):
    ds = catalog.get_dataset("fashion-mnist")
    for entry in ds.files:
        path = store.find_local(ds, entry, data_root)
        assert path is not None and path.name == entry.name
        store.verify(path, entry, use_cache=False)  # raises on any mismatch


def test_official_gzip_passes_on_its_md5_and_recompressed_gzip_on_its_content(tmp_path):
    official = gzip.compress(LABELS, mtime=0)
    entry = _entry(LABELS, served=official)
    (tmp_path / "a.gz").write_bytes(official)
    store.verify(tmp_path / "a.gz", entry, use_cache=False)
    recompressed = gzip.compress(LABELS, compresslevel=1, mtime=12345)
    assert recompressed != official
    (tmp_path / "b.gz").write_bytes(recompressed)
    store.verify(tmp_path / "b.gz", entry, use_cache=False)


def test_unpacked_copy_is_found_and_verified(tmp_path):
    entry = _entry(LABELS)
    ds = Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / entry.unpacked_name).write_bytes(LABELS)
    path = store.find_local(ds, entry, tmp_path)
    assert path == tmp_path / "toy" / "labels-idx1-ubyte"
    store.verify(path, entry, use_cache=False)


def test_wrong_content_names_file_both_checksums_and_fix(tmp_path):
    entry = _entry(LABELS)
    other = struct.pack(">ii", 2049, 5) + bytes([9, 9, 9, 9, 9])
    bad = tmp_path / "labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(other))
    with pytest.raises(DataError) as info:
        store.verify(bad, entry, use_cache=False)
    err = info.value
    assert str(bad) in err.message
    assert entry.content_sha256 in err.message
    assert hashlib.sha256(other).hexdigest() in err.message
    assert "delete" in err.fix and "fetch" in err.fix


def test_truncated_gzip_is_reported_as_truncated(tmp_path):
    entry = _entry(LABELS * 1000)
    whole = gzip.compress(LABELS * 1000)
    cut = tmp_path / "labels-idx1-ubyte.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="truncated gzip"):
        store.verify(cut, entry, use_cache=False)


def test_wrong_magic_number_is_reported_with_the_expected_ones(tmp_path):
    entry = _entry(LABELS)
    wrong = struct.pack(">ii", 0x12345678, 5) + bytes(5)
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(wrong)
    with pytest.raises(DataError, match=r"wrong magic number .*2049.*2051"):
        store.verify(path, entry, use_cache=False)


def test_idx_file_shorter_than_its_header_says_is_refused(tmp_path):
    entry = _entry(LABELS, content_checksum=False)
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(LABELS[:-2])
    with pytest.raises(DataError, match="truncated or padded"):
        store.verify(path, entry, use_cache=False)


def test_missing_file_error_names_folder_and_both_fixes(tmp_path):
    with pytest.raises(DataError) as info:
        store.require("fashion-mnist", "train-images-idx3-ubyte.gz", tmp_path)
    assert str(tmp_path / "fashion-mnist") in info.value.message
    assert "d2lkit data fetch fashion-mnist" in info.value.fix
    assert "D2LKIT_DATA" in info.value.fix


def test_unknown_data_set_suggests_close_names():
    with pytest.raises(DataError) as info:
        catalog.get_dataset("fashion-mnst")
    assert "fashion-mnist" in info.value.fix


def test_verdict_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    entry = _entry(LABELS)
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(LABELS, mtime=0))
    hashed = []
    real_digest = integrity.digest
    monkeypatch.setattr(integrity, "digest", lambda p, a: hashed.append(p) or real_digest(p, a))
    store.verify(path, entry)
    store.verify(path, entry)
    assert len(hashed) == 1  # the second call trusted the remembered verdict
    path.write_bytes(gzip.compress(LABELS[:-1] + b"\x07", mtime=0))  # same size, new content
    with pytest.raises(DataError):
        store.verify(path, entry)


def test_verdicts_live_in_the_cache_dir_not_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_CACHE, str(tmp_path / "cache"))
    entry = _entry(LABELS)
    data = tmp_path / "data"
    data.mkdir()
    path = data / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(LABELS, mtime=0))
    store.verify(path, entry)
    assert (tmp_path / "cache" / "verified.json").is_file()
    assert sorted(p.name for p in data.iterdir()) == ["labels-idx1-ubyte.gz"]


def test_truncated_gzip_message_gives_both_checksums_and_the_real_data_set(tmp_path, monkeypatch):
    whole = gzip.compress(LABELS * 1000)
    entry = _entry(LABELS * 1000, served=whole)
    monkeypatch.setitem(
        catalog.DATASETS, "toy", Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    )
    cut = tmp_path / "labels-idx1-ubyte.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError) as info:
        store.verify(cut, entry, use_cache=False)
    message = info.value.message
    assert "truncated gzip" in message
    assert entry.checksum.split(":")[1] in message  # expected
    assert hashlib.md5(cut.read_bytes()).hexdigest() in message  # actual
    assert "`d2lkit data fetch toy`" in info.value.fix and "NAME" not in info.value.fix


def test_a_gzip_bomb_is_stopped_without_decompressing_it_in_memory(tmp_path):
    import tracemalloc

    bomb = tmp_path / "labels-idx1-ubyte.gz"
    bomb.write_bytes(gzip.compress(bytes(64 << 20), compresslevel=1))  # 64 MiB of zeros
    assert bomb.stat().st_size < (1 << 20)
    entry = _entry(LABELS)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="decompresses to more than"):
            store.verify(bomb, entry, use_cache=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # bytes: streamed, never whole


@pytest.mark.parametrize(
    ("dims", "payload", "problem"),
    [
        ((-1, -1, 5), 5, "must be positive"),  # product 5 matches, reshape would crash
        ((0, 28, 28), 0, "must be positive"),
        ((1 << 30, 1 << 30, 1 << 30), 0, "needs"),  # product overflows int64 to 0
        ((2, 2, 2), 9, "truncated or padded"),
    ],
)
def test_idx_headers_with_bad_sizes_are_refused(tmp_path, dims, payload, problem):
    from d2lkit.data.idx import parse_idx

    data = struct.pack(">i3i", 2051, *dims) + bytes(payload)
    with pytest.raises(DataError, match=problem) as info:
        parse_idx(data, "crafted-idx3-ubyte")
    assert "crafted-idx3-ubyte" in info.value.message and "fetch" in info.value.fix


def test_idx_with_a_valid_header_parses_to_its_shape():
    from d2lkit.data.idx import parse_idx

    data = struct.pack(">i3i", 2051, 2, 1, 3) + bytes(range(6))
    assert parse_idx(data, "ok").tolist() == [[[0, 1, 2]], [[3, 4, 5]]]


def _damage_in_place(path: Path, offset: int) -> None:
    """Change one byte without changing the size, then put the mtime back (os.utime)."""
    st = path.stat()
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_file_damaged_in_place_with_its_mtime_restored_is_verified_again(tmp_path):
    entry = _entry(LABELS)
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(LABELS, mtime=0))
    store.verify(path, entry)  # passes; the verdict is remembered
    _damage_in_place(path, path.stat().st_size // 2)
    with pytest.raises(DataError, match="failed verification"):
        store.verify(path, entry)


def test_a_verdict_stamp_changes_with_the_sampled_content(tmp_path):
    from d2lkit.data.verdicts import sampled_sha256

    path = tmp_path / "big.bin"
    path.write_bytes(bytes(300_000))
    before = sampled_sha256(path)
    _damage_in_place(path, 299_999)  # in the last 64 KiB
    assert sampled_sha256(path) != before
