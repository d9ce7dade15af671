"""Archives installed as folders: atomically, whatever the moment a process dies."""

from __future__ import annotations

import errno
import hashlib
import io
import multiprocessing
import os
import signal
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from d2lkit.data import archive, catalog, store
from d2lkit.data.catalog import DataFile, Dataset
from d2lkit.data.lock import file_lock
from d2lkit.data.tree import MANIFEST, tree_files
from d2lkit.errors import DataError
from d2lkit.write_errors import WriteError

OLD = {"a.txt": b"old a", "sub/b.txt": b"old b"}
NEW = {"a.txt": b"new a", "sub/b.txt": b"new b", "c.txt": b"new c"}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr("top/" + name, data)  # one top folder: its content is installed
    return buffer.getvalue()


def _use(monkeypatch, served: bytes, unpack_to: str = ".") -> tuple[Dataset, DataFile]:
    entry = DataFile(
        name="toy.zip",
        urls=(),
        checksum=f"sha1:{hashlib.sha1(served).hexdigest()}",
        unpack_to=unpack_to,
    )
    toy = Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    monkeypatch.setitem(catalog.DATASETS, "toy", toy)
    return toy, entry


def _tree(folder: Path, entry: DataFile) -> dict[str, bytes]:
    return {
        rel: (folder / rel).read_bytes()
        for rel in tree_files(folder, entry)
        if not Path(rel).name.startswith(".")  # the manifest and other d2lkit files
    }


def _install_old_then_offer_new(tmp_path: Path, monkeypatch) -> tuple[Dataset, DataFile]:
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy.zip").write_bytes(_zip(OLD))
    _, old = _use(monkeypatch, _zip(OLD))
    [folder] = store.fetch("toy", tmp_path)
    assert _tree(folder, old) == OLD
    new_zip = tmp_path / "new.zip"
    new_zip.write_bytes(_zip(NEW))
    os.replace(new_zip, tmp_path / "toy" / "toy.zip")  # a new archive: extract it again
    return _use(monkeypatch, _zip(NEW))


def _fetch_and_die_at(k: int, root: Path) -> None:
    """In a child: re-extract, killed (SIGKILL: no cleanup runs) at the k-th os.replace."""
    real, calls = os.replace, [0]

    def replace(src, dst):
        calls[0] += 1
        if calls[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst)

    os.replace = replace  # this child only
    store.fetch("toy", root)
    os._exit(0)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork (POSIX)"
)
@pytest.mark.parametrize("k", range(1, 9))
def test_a_kill_at_any_step_of_a_reextraction_leaves_one_whole_tree(
    tmp_path, tmp_path_factory, monkeypatch, k
):
    # A verdict cache of its own: the child is killed at its k-th os.replace, and the
    # suite's shared cache file must not be what the count lands on.
    monkeypatch.setenv("D2LKIT_CACHE", str(tmp_path_factory.mktemp("verdicts")))
    toy, entry = _install_old_then_offer_new(tmp_path, monkeypatch)
    child = multiprocessing.get_context("fork").Process(
        target=_fetch_and_die_at, args=(k, tmp_path)
    )
    child.start()
    child.join(30)
    assert child.exitcode in (0, -signal.SIGKILL)
    found = store.find_local(toy, entry, tmp_path)  # puts back a tree a kill left aside
    folder = tmp_path / "toy"
    assert found is not None and _tree(folder, entry) in (OLD, NEW)
    assert store.fetch("toy", tmp_path) == [folder]  # the next run finishes the job
    assert _tree(folder, entry) == NEW
    store.clean_stale(tmp_path, older_than=time.time() + 1)
    store.clean_stale(folder, older_than=time.time() + 1)
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]  # no work folder left
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["toy.zip", MANIFEST, "a.txt", "sub", "c.txt"]
    )


def test_an_error_in_the_middle_of_extraction_leaves_the_old_tree_whole(tmp_path, monkeypatch):
    _install_old_then_offer_new(tmp_path, monkeypatch)
    real_copy, copies = archive._copy, []

    def copy_then_fail(*args: object) -> None:
        copies.append(args[1])
        if len(copies) == 2:
            raise RuntimeError("simulated crash after one member")
        real_copy(*args)

    monkeypatch.setattr(archive, "_copy", copy_then_fail)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.fetch("toy", tmp_path)
    old_entry = DataFile(name="toy.zip", urls=(), checksum="sha1:" + "0" * 40, unpack_to=".")
    assert _tree(tmp_path / "toy", old_entry) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]  # the work folder went too


def test_a_truncated_tar_is_rejected_before_anything_is_installed(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in NEW.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    whole = buffer.getvalue()
    entry = DataFile(
        name="toy.tar",
        urls=(),
        checksum=f"sha1:{hashlib.sha1(whole).hexdigest()}",
        size=len(whole),
        unpack_to="extracted",
    )
    monkeypatch.setitem(
        catalog.DATASETS, "toy", Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    )
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy.tar").write_bytes(whole[:1024])  # cut after the first member
    with pytest.raises(DataError, match="failed verification") as err:
        store.require_unpacked("toy", "toy.tar", tmp_path)
    assert "fetch toy" in err.value.fix
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["toy.tar"]


def test_clean_stale_removes_old_leftovers_but_nothing_in_use(tmp_path):
    hour_ago = time.time() - 3600
    dead_pid = 4194305  # above Linux's largest pid: no such process

    def old(path: Path, folder: bool = False) -> Path:
        if folder:
            path.mkdir()
            (path / "inside").write_text("x")
            os.utime(path / "inside", (hour_ago, hour_ago))
        else:
            path.write_text("x")
        os.utime(path, (hour_ago, hour_ago))
        return path

    stale = [
        old(tmp_path / "big.gz.part"),
        old(tmp_path / f".checkpoint.pt.{dead_pid}.tmp"),
        old(tmp_path / f".toy.{dead_pid}-abc123.tmp", folder=True),
        old(tmp_path / ".gone.gz.lock"),  # its holder was killed
    ]
    kept = [
        old(tmp_path / "data.csv"),  # data, not a leftover
        tmp_path / "fresh.gz.part",  # newer than the cutoff
        old(tmp_path / f".metrics.csv.{os.getppid()}.tmp"),  # its process is alive
        old(tmp_path / "busy.gz.part"),  # its download lock is held
    ]
    kept[1].write_text("x")
    with file_lock(tmp_path / "busy.gz"):
        os.utime(tmp_path / ".busy.gz.lock", (hour_ago, hour_ago))  # held: stays
        removed = store.clean_stale(tmp_path, older_than=time.time() - 60)
        assert (tmp_path / ".busy.gz.lock").exists()
    assert sorted(removed) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)


def test_fetch_removes_leftovers_of_an_earlier_run(tmp_path, monkeypatch):
    _use(monkeypatch, _zip(OLD), unpack_to="x")
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy.zip").write_bytes(_zip(OLD))
    part = tmp_path / "toy" / "toy.zip.part"
    part.write_text("half a download")
    os.utime(part, (time.time() - 3600,) * 2)
    store.fetch("toy", tmp_path)
    assert not part.exists()


def test_a_full_disk_while_reextracting_keeps_the_old_tree_and_says_why(
    tmp_path, monkeypatch, fail_writes
):
    _install_old_then_offer_new(tmp_path, monkeypatch)
    fail_writes(errno.ENOSPC, match=lambda path: path.startswith(str(tmp_path / ".toy.")))
    with pytest.raises(WriteError) as err:
        store.fetch("toy", tmp_path)
    folder = tmp_path / "toy"
    assert err.value.message.startswith(
        f"cannot extract toy.zip into {folder}: no space left on the device holding {tmp_path}"
    )
    assert "--data-dir" in err.value.fix
    old_entry = DataFile(name="toy.zip", urls=(), checksum="sha1:" + "0" * 40, unpack_to=".")
    assert _tree(folder, old_entry) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]  # the work folder went too


def test_a_manifest_that_cannot_be_written_is_named_by_the_folder_not_the_work_folder(
    tmp_path, monkeypatch, fail_writes
):
    _install_old_then_offer_new(tmp_path, monkeypatch)
    fail_writes(errno.EDQUOT, match=lambda path: MANIFEST in path, at="open")
    with pytest.raises(WriteError) as err:
        store.fetch("toy", tmp_path)
    assert err.value.message.startswith(f"cannot extract toy.zip into {tmp_path / 'toy'}: ")
    assert "quota" in err.value.message and ".tmp" not in err.value.message
