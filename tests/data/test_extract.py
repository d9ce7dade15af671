"""Archives are extracted only inside their target, atomically, with clear errors."""

from __future__ import annotations

import errno
import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from d2lkit.data.archive import extract_archive, read_tar_files, read_zip_member, zip_members
from d2lkit.errors import ConfigError, DataError
from d2lkit.write_errors import WriteError


def _zip(path: Path, members: list[tuple[str, bytes]], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _special(name: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def _refused(archive: Path, tmp_path: Path, words: str) -> None:
    before = set(tmp_path.iterdir())
    with pytest.raises(DataError) as err:
        extract_archive(archive, tmp_path / "out")
    assert str(archive) in err.value.message and words in err.value.message
    assert "nothing was extracted" in err.value.message and err.value.fix
    assert set(tmp_path.iterdir()) == before  # no target, no temporary folder left
    assert not (tmp_path.parent / "evil").exists() and not (tmp_path / "evil").exists()


GOOD = [("data/a.txt", b"alpha"), ("data/sub/b.txt", b"beta")]


@pytest.mark.parametrize("mode,suffix", [("w", ".tar"), ("w:gz", ".tar.gz")])
def test_good_tar_extracts_every_member_inside_the_target(tmp_path, mode, suffix):
    archive = _tar(tmp_path / f"good{suffix}", GOOD, mode)
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "data" / "a.txt").read_bytes() == b"alpha"
    assert (out / "data" / "sub" / "b.txt").read_bytes() == b"beta"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([archive.name, "out"])


def test_good_zip_extracts_every_member_inside_the_target(tmp_path):
    archive = _zip(tmp_path / "good.zip", [("data/", b""), *GOOD])
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "data" / "sub" / "b.txt").read_bytes() == b"beta"


@pytest.mark.parametrize("name", ["/tmp/evil", "C:\\evil", "\\evil"])
def test_zip_member_with_an_absolute_path_is_refused(tmp_path, name):
    archive = _zip(tmp_path / "abs.zip", [("ok.txt", b"x"), (name, b"evil")])
    assert name in zip_members(archive)
    _refused(archive, tmp_path, "absolute path")


@pytest.mark.parametrize("name", ["../evil", "data/../../evil", "..\\evil"])
def test_zip_member_climbing_out_with_dotdot_is_refused(tmp_path, name):
    archive = _zip(tmp_path / "dots.zip", [("ok.txt", b"x"), (name, b"evil")])
    _refused(archive, tmp_path, "'..'")


def test_zip_symlink_pointing_outside_is_refused(tmp_path):
    archive = _zip(tmp_path / "link.zip", [("ok.txt", b"x")], links={"data/l": "../../evil"})
    _refused(archive, tmp_path, "outside the target")


def test_tar_member_with_an_absolute_path_is_refused(tmp_path):
    archive = _tar(tmp_path / "abs.tar", [("ok.txt", b"x"), ("/tmp/evil", b"evil")])
    _refused(archive, tmp_path, "absolute path")


def test_tar_member_climbing_out_with_dotdot_is_refused(tmp_path):
    archive = _tar(tmp_path / "dots.tar.gz", [("ok.txt", b"x"), ("a/../../evil", b"e")], "w:gz")
    _refused(archive, tmp_path, "'..'")


@pytest.mark.parametrize("target", ["/etc/passwd", "../../evil", "x/../../../evil"])
def test_tar_symlink_pointing_outside_is_refused(tmp_path, target):
    archive = _tar(tmp_path / "sym.tar", [("ok.txt", b"x"), _link("data/l", target)])
    _refused(archive, tmp_path, "link to")


def test_tar_hard_link_to_a_file_outside_is_refused(tmp_path):
    archive = _tar(tmp_path / "hard.tar", [_link("data/h", "../evil", tarfile.LNKTYPE)])
    _refused(archive, tmp_path, "outside the target")


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_tar_device_files_and_fifos_are_refused(tmp_path, kind):
    archive = _tar(tmp_path / "dev.tar", [("ok.txt", b"x"), _special("data/dev", kind)])
    _refused(archive, tmp_path, "device file or fifo")


def test_a_chain_of_links_that_leads_outside_is_refused_before_writing_through_it(tmp_path):
    # each link alone stays inside on paper; p/q/s3 -> s2/.. -> (p/q/../..)/.. is outside
    archive = _tar(
        tmp_path / "chain.tar",
        [
            _link("p/q/s2", "../.."),
            _link("p/q/s3", "s2/.."),
            ("p/q/s3/evil", b"written outside?"),
        ],
    )
    _refused(archive, tmp_path, "through links")


def test_a_dangling_link_completed_by_a_later_link_is_refused(tmp_path):
    archive = _tar(
        tmp_path / "later.tar",
        [
            _link("p/q/s3", "s2/../evil"),  # s2 does not exist yet
            _link("p/q/s2", "../.."),
        ],
    )
    _refused(archive, tmp_path, "through links")


def test_a_hard_link_cannot_copy_a_file_from_outside_through_links(tmp_path):
    (tmp_path / "secret").write_text("outside the archive")
    archive = _tar(
        tmp_path / "copy.tar",
        [
            _link("p/s2", ".."),
            _link("p/s3", "s2/.."),
            _link("h", "p/s3/secret", tarfile.LNKTYPE),
        ],
    )
    _refused(archive, tmp_path, "through links")


def test_links_that_stay_inside_are_extracted(tmp_path):
    archive = _tar(
        tmp_path / "links.tar",
        [
            ("data/a.txt", b"alpha"),
            _link("data/sym", "a.txt"),
            _link("data/hard", "data/a.txt", tarfile.LNKTYPE),
        ],
    )
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "data" / "sym").is_symlink() and (out / "data" / "sym").read_bytes() == b"alpha"
    assert not (out / "data" / "hard").is_symlink()
    assert (out / "data" / "hard").read_bytes() == b"alpha"


def test_a_member_written_twice_is_refused(tmp_path):
    archive = _tar(tmp_path / "twice.tar", [("a.txt", b"one"), ("a.txt", b"two")])
    _refused(archive, tmp_path, "same name")


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz"])
def test_truncated_archive_names_file_problem_and_fix_and_leaves_nothing(tmp_path, kind):
    big = [("data/big.bin", bytes(range(256)) * 400), ("data/z.txt", b"last")]
    whole = tmp_path / f"whole.{kind}"
    if kind == "zip":
        _zip(whole, big)
    else:
        _tar(whole, big, "w:gz" if kind == "tar.gz" else "w")
    cut = tmp_path / f"cut.{kind}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    before = set(tmp_path.iterdir())
    with pytest.raises(DataError) as err:
        extract_archive(cut, tmp_path / "out")
    assert str(cut) in err.value.message and "truncated" in err.value.message
    assert "fetch it again" in err.value.fix
    assert set(tmp_path.iterdir()) == before


def test_existing_target_is_never_overwritten(tmp_path):
    archive = _zip(tmp_path / "good.zip", GOOD)
    (tmp_path / "out").mkdir()
    with pytest.raises(DataError, match="already exists"):
        extract_archive(archive, tmp_path / "out")


def test_reading_a_missing_zip_member_lists_what_is_there(tmp_path):
    archive = _zip(tmp_path / "good.zip", GOOD)
    assert read_zip_member(archive, "data/a.txt") == b"alpha"
    with pytest.raises(DataError) as err:
        read_zip_member(archive, "data/missing.txt")
    assert "data/missing.txt" in err.value.message and "data/a.txt" in err.value.message


def test_reading_a_member_of_a_truncated_zip_says_truncated(tmp_path):
    archive = _zip(tmp_path / "good.zip", GOOD)
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(DataError, match="truncated or damaged") as err:
        read_zip_member(archive, "data/a.txt")
    assert str(archive) in err.value.message


def test_a_tar_cut_at_a_member_boundary_is_refused_and_leaves_nothing(tmp_path):
    whole = _tar(tmp_path / "whole.tar", [("a.txt", b"a" * 512), ("b.txt", b"b" * 512)])
    data = whole.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: 512 + 512])  # the first member's header and data: a clean boundary
    with pytest.raises(DataError, match="truncated") as err:
        extract_archive(cut, tmp_path / "out")
    assert "end-of-archive marker" in err.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.tar", "whole.tar"]


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_an_archive_larger_than_the_size_limit_is_refused_unless_raised(tmp_path, kind):
    members = [("a.bin", bytes(600)), ("b.bin", bytes(600))]
    archive = (_zip if kind == "zip" else _tar)(tmp_path / f"big.{kind}", members)
    with pytest.raises(DataError, match="1200 bytes, more than the limit of 1000") as err:
        extract_archive(archive, tmp_path / "out", max_bytes=1000)
    assert "max_bytes=" in err.value.fix
    assert not (tmp_path / "out").exists()
    assert (
        extract_archive(archive, tmp_path / "out", max_bytes=1200) / "b.bin"
    ).stat().st_size == 600


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_an_archive_with_too_many_members_is_refused(tmp_path, kind):
    members = [(f"{i}.txt", b"x") for i in range(5)]
    archive = (_zip if kind == "zip" else _tar)(tmp_path / f"many.{kind}", members)
    with pytest.raises(DataError, match="5 members, more than the limit of 4") as err:
        extract_archive(archive, tmp_path / "out", max_members=4)
    assert "max_members=" in err.value.fix
    assert len(list(extract_archive(archive, tmp_path / "out").iterdir())) == 5


# --- failed writes: explained, and nothing half-extracted is left ---------------------------


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_full_disk_while_extracting_is_explained_and_leaves_nothing(tmp_path, kind, fail_writes):
    big = [("data/big.bin", bytes(range(256)) * 400), ("data/z.txt", b"last")]
    archive = _zip(tmp_path / "a.zip", big) if kind == "zip" else _tar(tmp_path / "a.tar", big)
    fail_writes(errno.ENOSPC, after=1000)  # the disk fills up inside the first member
    with pytest.raises(WriteError) as err:
        extract_archive(archive, tmp_path / "out")
    assert err.value.errno == errno.ENOSPC
    assert err.value.message.startswith(
        f"cannot extract {archive.name} into {tmp_path / 'out'}: no space left on the device"
    )
    assert [p.name for p in tmp_path.iterdir()] == [archive.name]  # no target, no work folder


def test_extracting_under_a_file_names_the_file_in_the_way(tmp_path):
    archive = _zip(tmp_path / "good.zip", GOOD)
    (tmp_path / "cache").write_text("a file where a folder should be")
    with pytest.raises(WriteError) as err:
        extract_archive(archive, tmp_path / "cache" / "out")
    assert f"{tmp_path / 'cache'} is a file, not a folder" in err.value.message


@pytest.mark.parametrize(
    ("limits", "said"),
    [
        ({"max_bytes": 0}, "max_bytes must be a whole number of at least 1, got 0"),
        ({"max_bytes": 1.5e9}, "max_bytes must be a whole number of at least 1, got 1.5e+09"),
        ({"max_members": -3}, "max_members must be a whole number of at least 1, got -3"),
        ({"max_members": True}, "got True (a bool)"),
    ],
)
def test_extraction_limits_out_of_range_are_refused_before_reading(tmp_path, limits, said):
    archive = _zip(tmp_path / "good.zip", GOOD)
    with pytest.raises(ConfigError) as err:
        extract_archive(archive, tmp_path / "out", **limits)
    assert said in err.value.message
    assert [p.name for p in tmp_path.iterdir()] == ["good.zip"]


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar_files_are_read_in_place_in_order_and_a_cut_tar_is_refused(tmp_path, mode):
    members = [("top/a.txt", b"alpha"), ("top/skip.bin", b"x" * 3000), ("top/b.txt", b"beta")]
    folder = tarfile.TarInfo("top/dir")
    folder.type = tarfile.DIRTYPE
    path = _tar(tmp_path / "t.tar", [*members, folder], mode)
    wanted = list(read_tar_files(path, lambda name: name.endswith(".txt")))
    assert wanted == [("top/a.txt", b"alpha"), ("top/b.txt", b"beta")]
    assert [name for name, _ in read_tar_files(path)] == [m[0] for m in members]
    raw = path.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(raw[: 512 * 2] if mode == "w" else raw[:-8])  # a member boundary / no trailer
    with pytest.raises(DataError, match="truncated") as info:
        list(read_tar_files(cut))
    assert str(cut) in info.value.message and "fetch it again" in info.value.fix
    assert not list(tmp_path.glob("*/"))  # nothing extracted


def test_extract_into_merges_into_an_existing_folder_and_replaces_same_names(tmp_path: Path):
    from d2lkit.data.archive import extract_into

    archive = tmp_path / "pairs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pairs/fra.txt", "new")
        z.writestr("readme.txt", "hello")
    folder = tmp_path / "data"
    (folder / "pairs").mkdir(parents=True)
    (folder / "pairs" / "old.txt").write_text("stale")
    (folder / "kept.csv").write_text("mine")
    moved = extract_into(archive, folder)
    assert sorted(p.name for p in moved) == ["pairs", "readme.txt"]
    assert (folder / "pairs" / "fra.txt").read_text() == "new"
    assert not (folder / "pairs" / "old.txt").exists()  # the archive's folder replaces the old one
    assert (folder / "kept.csv").read_text() == "mine"
    assert sorted(p.name for p in folder.iterdir()) == ["kept.csv", "pairs", "readme.txt"]


def test_extract_into_refuses_an_unsafe_archive_and_leaves_the_folder_as_it_was(tmp_path: Path):
    from d2lkit.data.archive import extract_into

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape.txt", "x")
    folder = tmp_path / "data"
    folder.mkdir()
    with pytest.raises(DataError):
        extract_into(archive, folder)
    assert list(folder.iterdir()) == [] and not (tmp_path / "escape.txt").exists()
