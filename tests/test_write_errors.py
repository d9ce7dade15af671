"""Failed writes of ours: one WriteError naming the path, the cause in words and the fix.

Causes made for real where a test can: the file-size limit (``RLIMIT_FSIZE``, what
``ulimit -f`` sets), a 300-byte name, a file where a folder should be, a path in
/proc, a folder in the way, a read-only folder (as another user when the tests run
as root, who may write anywhere). A full disk and a read-only file system are
simulated by the ``fail_writes`` fixture, which raises the real errno.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

from d2lkit.atomic import atomic_path, write_text_atomic
from d2lkit.errors import D2lkitError
from d2lkit.write_errors import WriteError, explained_writes, probe_write_failure, write_error


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_write_past_ulimit_f_is_explained_and_leaves_nothing(tmp_path, file_size_limit):
    target = tmp_path / "metrics.csv"
    target.write_text("old")
    # real EFBIG: Python ignores SIGXFSZ, so the write fails, not us
    with file_size_limit(10_000), pytest.raises(WriteError) as info:
        write_text_atomic(target, "x" * 50_000)
    error = info.value
    assert isinstance(error, D2lkitError) and error.errno == errno.EFBIG
    assert error.message.startswith(f"cannot write {target}: ")
    assert "ulimit -f" in error.message and "9.8 KiB" in error.message  # 10,000 bytes
    assert "ulimit -f unlimited" in error.fix
    assert target.read_text() == "old" and _files(tmp_path) == ["metrics.csv"]


def test_torch_save_past_ulimit_f_is_explained_by_probing(tmp_path, file_size_limit):
    target = tmp_path / "checkpoint.pt"
    # torch reports this as a RuntimeError without an errno
    with file_size_limit(100_000), pytest.raises(WriteError) as info, atomic_path(target) as tmp:
        torch.save({"w": torch.zeros(100_000)}, tmp)
    assert info.value.errno == errno.EFBIG and "ulimit -f" in info.value.message
    assert _files(tmp_path) == []


def test_a_name_longer_than_the_file_system_allows_is_named(tmp_path):
    target = tmp_path / ("n" * 300 + ".json")
    with pytest.raises(WriteError) as info:
        write_text_atomic(target, "{}")
    assert info.value.errno == errno.ENAMETOOLONG
    assert "is 305 bytes long; this file system allows 255" in info.value.message
    assert "shorter name" in info.value.fix
    assert _files(tmp_path) == []


def test_a_name_near_the_limit_still_gets_a_temporary_name_that_fits(tmp_path):
    target = tmp_path / ("n" * 250 + ".json")  # 255 bytes: legal, but .name.<pid>.tmp is not
    write_text_atomic(target, "{}")
    assert target.read_text() == "{}" and _files(tmp_path) == [target.name]


def test_a_file_where_a_folder_should_be_is_named(tmp_path):
    (tmp_path / "runs").write_text("a file, not a folder")
    with pytest.raises(WriteError) as info:
        write_text_atomic(tmp_path / "runs" / "lenet" / "config.json", "{}")
    assert info.value.errno in (errno.ENOTDIR, errno.EEXIST)
    assert f"{tmp_path / 'runs'} is a file, not a folder" in info.value.message
    assert f"move or delete {tmp_path / 'runs'}" in info.value.fix
    assert (tmp_path / "runs").read_text() == "a file, not a folder"


def test_a_folder_where_the_file_should_go_is_named(tmp_path):
    (tmp_path / "summary.json").mkdir()
    with pytest.raises(WriteError) as info:
        write_text_atomic(tmp_path / "summary.json", "{}")
    assert "is a folder, where a file should go" in info.value.message
    assert _files(tmp_path) == ["summary.json"] and not any((tmp_path / "summary.json").iterdir())


def test_a_path_in_proc_is_called_a_virtual_file_system(tmp_path):
    with pytest.raises(WriteError) as info:
        write_text_atomic("/proc/d2lkit-test/runs/config.json", "{}", elsewhere="use --out DIR")
    assert "/proc is a virtual file system of the kernel" in info.value.message
    assert info.value.fix == "choose a folder on a disk: use --out DIR"
    assert not Path("/proc/d2lkit-test").exists()


@pytest.mark.parametrize(
    ("number", "at", "words", "fix"),
    [
        (errno.ENOSPC, "write", "no space left on the device holding", "df -h"),
        (errno.EDQUOT, "write", "disk quota for this user", "quota -s"),
        (errno.EROFS, "open", "is read-only", "writable file system"),
        (errno.EACCES, "open", "is not writable by this user", "chmod u+w"),
        (errno.EIO, "write", "input/output error", "dmesg"),
    ],
    ids=["no-space", "quota", "read-only-fs", "permission", "io-error"],
)
def test_each_cause_is_said_in_words_with_its_fix_and_nothing_is_left(
    tmp_path, fail_writes, number, at, words, fix
):
    target = tmp_path / "verified.json"
    target.write_text("old")
    fail_writes(number, at=at, after=100)
    with pytest.raises(WriteError) as info:
        write_text_atomic(target, "x" * 1000, elsewhere="set $D2LKIT_CACHE to another folder")
    error = info.value
    assert error.errno == number and error.path == target
    assert words in error.message and str(tmp_path) in error.message
    assert fix in error.fix and error.fix.endswith("; or set $D2LKIT_CACHE to another folder")
    assert target.read_text() == "old" and _files(tmp_path) == ["verified.json"]


def test_an_oserror_about_another_file_is_not_called_a_write_failure(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "copy.bin") as tmp:
        shutil.copyfile(tmp_path / "no-such-source.bin", tmp)  # a read failed, not our write
    assert _files(tmp_path) == []


def test_explained_writes_turns_an_oserror_into_one_write_error(tmp_path):
    with pytest.raises(WriteError) as info, explained_writes(tmp_path / "x", action="extract into"):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert info.value.message.startswith(f"cannot extract into {tmp_path / 'x'}: no space left")
    again = write_error(info.value, tmp_path / "y")
    assert again is info.value  # explained once, never twice


def test_probing_finds_the_file_size_limit(tmp_path, file_size_limit):
    path = tmp_path / "part"
    path.write_bytes(bytes(4096))
    assert probe_write_failure(path) is None
    with file_size_limit(4096):
        assert probe_write_failure(path) == errno.EFBIG


def _write_as_nobody(folder: str, results: object) -> None:
    os.setgid(65534)
    os.setuid(65534)  # nobody: permissions apply again
    try:
        write_text_atomic(Path(folder) / "config.json", "{}")
        results.put(("written", ""))  # type: ignore[attr-defined]
    except WriteError as exc:
        results.put(("error", f"{exc.message}\n{exc.fix}"))  # type: ignore[attr-defined]
    except BaseException as exc:
        results.put(("other", repr(exc)))  # type: ignore[attr-defined]


def test_a_real_read_only_folder_is_named_with_chmod_as_the_fix():
    # tmp_path is root's own (0700): the folder lives where another user can reach it
    folder = Path(tempfile.mkdtemp(prefix="d2lkit-test-readonly-"))
    try:
        folder.chmod(0o555)
        if os.geteuid() != 0:
            with pytest.raises(WriteError) as info:
                write_text_atomic(folder / "config.json", "{}")
            outcome = ("error", f"{info.value.message}\n{info.value.fix}")
        else:  # root writes anywhere: the write is tried as nobody, in a child process
            ctx = multiprocessing.get_context("fork")
            results = ctx.Queue()
            child = ctx.Process(target=_write_as_nobody, args=(str(folder), results))
            child.start()
            outcome = results.get(timeout=30)
            child.join(10)
        kind, text = outcome
        assert kind == "error", text
        assert f"permission denied: {folder} is not writable by this user" in text
        assert f"chmod u+w {folder}" in text
        assert _files(folder) == []
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
