"""Atomic writes: the old file survives a failed write, and no temporary file is left."""

from __future__ import annotations

import pytest

from d2lkit.atomic import atomic_path, write_text_atomic


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "metrics.csv"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.csv"]


def test_a_failed_write_keeps_the_old_content(tmp_path):
    target = tmp_path / "checkpoint.pt"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]
