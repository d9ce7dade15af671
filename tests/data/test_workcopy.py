"""A linked working copy: the same files, writes stay in the copy."""

from __future__ import annotations

from d2lkit.data.workcopy import linked_copy


def test_a_linked_copy_reads_the_originals_and_keeps_its_own_writes(tmp_path):
    source = tmp_path / "store"
    (source / "train").mkdir(parents=True)
    (source / "train" / "1.png").write_bytes(b"pixels")
    (source / "labels.csv").write_text("id,label\n1,cat\n")
    (source / ".d2lkit-tree.json").write_text("{}")  # d2lkit's own manifest stays out
    copy = linked_copy(source, tmp_path / "cache" / "work")
    assert (copy / "train" / "1.png").read_bytes() == b"pixels"
    assert (copy / "train" / "1.png").is_symlink() and not (copy / ".d2lkit-tree.json").exists()
    (copy / "train_valid_test").mkdir()
    (copy / "train_valid_test" / "x").write_text("written")
    assert sorted(p.name for p in source.iterdir()) == [".d2lkit-tree.json", "labels.csv", "train"]
    assert linked_copy(source, copy) == copy  # an existing copy is used as it is
    assert [p.name for p in copy.parent.iterdir()] == ["work"]  # no work folder left behind
