"""The cross-process lock of a file: skipped, and said why, where its lock file cannot be
made; a WriteError instead for a caller that needs it."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import pytest

from d2lkit.data.lock import file_lock, lock_path
from d2lkit.write_errors import WriteError


def test_a_lock_file_that_cannot_be_made_is_skipped_and_the_cause_said(
    tmp_path, fail_writes, caplog
):
    fail_writes(errno.EROFS, at="open")  # os.open is not open(): patch it too
    dest = tmp_path / "data.gz"
    ran = []
    with caplog.at_level(logging.DEBUG, logger="d2lkit.data.lock"), file_lock(dest):
        ran.append(True)
    assert ran == [True] and not lock_path(dest).exists()
    text = caplog.text
    assert f"cannot create the lock file {lock_path(dest)}: the file system holding" in text


def test_a_required_lock_that_cannot_be_made_is_a_write_error(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the run folder should be")
    with pytest.raises(WriteError) as info, file_lock(blocker / "run", required=True):
        pass
    assert info.value.message.startswith(
        f"cannot create the lock file {lock_path(blocker / 'run')}: {blocker} is a file"
    )


def test_a_lock_in_a_proc_path_is_refused_when_required():
    lock = file_lock(Path("/proc/d2lkit-test/run"), required=True, elsewhere="use --out")
    with pytest.raises(WriteError, match="virtual file system"), lock:
        pass
