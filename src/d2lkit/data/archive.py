"""Zip and tar archives, read or extracted without letting a member escape.

Every member name is checked before anything is written: absolute paths,
``..`` components, links that point outside the target, device files and
fifos are refused, whatever the archive claims. Extraction happens in a
temporary sibling folder that is renamed into place only when every member is
out, so a failed extraction (a truncated or malicious archive) leaves nothing.

Archives are bounded before anything is written: at most ``max_members``
members (default :data:`MAX_MEMBERS`) and ``max_bytes`` bytes in all once
extracted (default :data:`MAX_BYTES`); pass larger limits to
:func:`extract_archive` for an archive you trust. A tar must end with its
end-of-archive marker (and a compressed one with its stream's trailer): a tar
cut at a member boundary is refused, not half extracted.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from d2lkit.data.catalog import refetch_hint
from d2lkit.errors import ConfigError, DataError
from d2lkit.write_errors import explained_writes

__all__ = [
    "MAX_BYTES",
    "MAX_MEMBERS",
    "extract_archive",
    "extract_into",
    "read_tar_files",
    "read_zip_member",
    "zip_members",
]

_CHUNK = 1 << 20
MAX_BYTES = 4 << 30  # bytes an archive may extract to, in all (4 GiB), unless raised
MAX_MEMBERS = 500_000  # members an archive may hold, unless raised


def _refetch(path: Path) -> str:
    return f"delete it and fetch it again ({refetch_hint(path)})"


def _check_limit_argument(name: str, value: object) -> None:
    """A size limit must be a whole number of at least 1, checked before the archive is read."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        shown = f"{value:g}" if isinstance(value, float) else repr(value)
        if not isinstance(value, int) or isinstance(value, bool):
            shown += f" (a {type(value).__name__})"
        default = MAX_BYTES if name == "max_bytes" else MAX_MEMBERS
        raise ConfigError(
            f"{name} must be a whole number of at least 1, got {shown}",
            fix=f"pass {name}= as a positive int (the default is {default})",
        )


def _check_limits(path: Path, members: int, size: int, max_members: int, max_bytes: int) -> None:
    """Refuse an archive larger than the limits, before anything is written."""
    if members > max_members:
        raise DataError(
            f"archive {path} has {members} members, more than the limit of {max_members}; "
            "nothing was extracted",
            fix="if you trust this archive, pass a larger max_members= to extract_archive",
        )
    if size > max_bytes:
        raise DataError(
            f"archive {path} would extract to {size} bytes, more than the limit of "
            f"{max_bytes}; nothing was extracted",
            fix="if you trust this archive, pass a larger max_bytes= to extract_archive",
        )


def _copy(path: Path, name: str, src: object, dst: object, budget: list[int]) -> None:
    """Copy one member, counting against the bytes left (a member may lie about its size)."""
    while block := src.read(_CHUNK):  # type: ignore[attr-defined]
        budget[0] -= len(block)
        if budget[0] < 0:
            raise DataError(
                f"archive {path}: member {name!r} extracts to more bytes than the archive "
                "declares, past the size limit",
                fix="do not use this archive; fetch the data set from its official URL",
            )
        dst.write(block)  # type: ignore[attr-defined]


def _archive_error(path: Path, exc: BaseException) -> DataError:
    """One message for every way an archive can be cut short or damaged."""
    text = str(exc) or type(exc).__name__
    return DataError(f"archive {path} is truncated or damaged ({text})", fix=_refetch(path))


def _unsafe(path: Path, member: str, why: str) -> DataError:
    return DataError(
        f"archive {path} has an unsafe member {member!r}: {why}; nothing was extracted",
        fix="do not use this archive; fetch the data set from its official URL "
        f"({refetch_hint(path)})",
    )


def _safe_parts(path: Path, name: str) -> tuple[str, ...]:
    """The path components of a member name, refusing any that could leave the target."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise _unsafe(path, name, "an absolute path")
    parts = tuple(p for p in PurePosixPath(posix).parts if p not in ("", "."))
    if ".." in parts:
        raise _unsafe(path, name, "a '..' component points outside the target")
    return parts


def _resolve(parts: tuple[str, ...]) -> tuple[str, ...] | None:
    """A relative path with ``..`` resolved lexically; None if it climbs above the root."""
    out: list[str] = []
    for part in parts:
        if part == "..":
            if not out:
                return None
            out.pop()
        elif part not in ("", "."):
            out.append(part)
    return tuple(out)


def _check_link(
    path: Path, name: str, parts: tuple[str, ...], target: str, hard: bool
) -> tuple[str, ...]:
    """The in-archive path a link points to; refused if it leaves the target."""
    if target.startswith(("/", "\\")) or (len(target) > 1 and target[1] == ":"):
        raise _unsafe(path, name, f"a link to the absolute path {target!r}")
    rel = tuple(target.replace("\\", "/").split("/"))
    resolved = _resolve(rel if hard else parts[:-1] + rel)
    if resolved is None:
        raise _unsafe(path, name, f"a link to {target!r}, outside the target")
    return resolved


def _check_real(path: Path, dest: Path, name: str, where: Path) -> None:
    """Refuse ``where`` if, following the links extracted so far, it leads out of ``dest``.

    Each link is checked on its own when read; this catches chains (a link
    through another link) that only leave the target once both exist.
    """
    root = os.path.realpath(dest)
    real = os.path.realpath(where)
    if real != root and not real.startswith(root + os.sep):
        raise _unsafe(path, name, "a path through links that leads outside the target")


def _new_dir(path: Path, dest: Path, name: str, parts: tuple[str, ...]) -> None:
    out = dest.joinpath(*parts)
    _check_real(path, dest, name, out)
    out.mkdir(parents=True, exist_ok=True)


def _new_path(path: Path, dest: Path, name: str, parts: tuple[str, ...]) -> Path:
    """Where a file member goes; refused if something (a duplicate, a link) is there."""
    out = dest.joinpath(*parts)
    _check_real(path, dest, name, out.parent)
    if out.exists() or out.is_symlink():
        raise _unsafe(path, name, "a second member with the same name")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _check_links(path: Path, dest: Path, links: list[tuple[str, Path]]) -> None:
    for name, link in links:
        _check_real(path, dest, name, link)


# --- zip ---------------------------------------------------------------------


@contextlib.contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _archive_error(path, exc) from None


def zip_members(path: Path) -> list[str]:
    """The names of a zip's members, or a clear :class:`DataError` if it is damaged."""
    with _open_zip(path) as archive:
        return archive.namelist()


def read_zip_member(path: Path, member: str) -> bytes:
    """One member of a zip file, its CRC checked; a missing member lists what is there."""
    with _open_zip(path) as archive:
        try:
            return archive.read(member)
        except KeyError:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
            raise DataError(
                f"archive {path} has no member {member!r} (it holds: {shown})",
                fix="this is not the archive the catalog describes: " + _refetch(path),
            ) from None


def _zip_kind(path: Path, info: zipfile.ZipInfo) -> str:
    """ "dir", "file" or "link"; a device file or fifo is refused."""
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise _unsafe(path, info.filename, "a device file or fifo")
    return "file"


def _extract_zip(path: Path, dest: Path, max_members: int, max_bytes: int) -> None:
    with _open_zip(path) as archive:
        infos = archive.infolist()
        _check_limits(path, len(infos), sum(i.file_size for i in infos), max_members, max_bytes)
        budget = [max_bytes]
        plan = []
        for info in infos:
            parts = _safe_parts(path, info.filename)
            kind = _zip_kind(path, info)
            link = None
            if kind == "link":
                link = archive.read(info).decode("utf-8", "replace")
                _check_link(path, info.filename, parts, link, hard=False)
            plan.append((info, parts, kind, link))
        links = []
        for info, parts, kind, link in plan:
            if not parts:
                continue
            if kind == "dir":
                _new_dir(path, dest, info.filename, parts)
                continue
            out = _new_path(path, dest, info.filename, parts)
            if link is not None:
                os.symlink(link, out)
                links.append((info.filename, out))
                continue
            with archive.open(info) as src, out.open("xb") as dst:
                _copy(path, info.filename, src, dst, budget)
        _check_links(path, dest, links)


# --- tar ---------------------------------------------------------------------


def _check_tar_member(path: Path, member: tarfile.TarInfo) -> tuple[str, ...]:
    parts = _safe_parts(path, member.name)
    if member.issym():
        _check_link(path, member.name, parts, member.linkname, hard=False)
    elif member.islnk():
        _check_link(path, member.name, parts, member.linkname, hard=True)
    elif not (member.isfile() or member.isdir()):
        raise _unsafe(path, member.name, "a device file or fifo")
    return parts


def _check_tar_end(path: Path, archive: tarfile.TarFile) -> None:
    """Refuse a tar without its end-of-archive marker: one cut at a member boundary.

    ``tarfile`` stops quietly where the data ends; a complete archive has a
    zero block there. Reading on to the end also makes a compressed stream
    check its trailer (gzip's CRC and length).
    """
    fileobj = archive.fileobj
    assert fileobj is not None
    fileobj.seek(archive.offset)
    block = fileobj.read(tarfile.BLOCKSIZE)
    if len(block) < tarfile.BLOCKSIZE or block.count(0) != tarfile.BLOCKSIZE:
        raise DataError(
            f"archive {path} is truncated: it ends after {len(archive.getmembers())} members "
            "without the end-of-archive marker; nothing was extracted",
            fix=_refetch(path),
        )
    while fileobj.read(_CHUNK):
        pass


def _extract_tar(path: Path, dest: Path, max_members: int, max_bytes: int) -> None:
    with tarfile.open(path, "r:*") as archive:
        members = archive.getmembers()
        _check_tar_end(path, archive)
        sizes = sum(m.size for m in members if m.isfile())
        _check_limits(path, len(members), sizes, max_members, max_bytes)
        budget = [max_bytes]
        plan = [(m, _check_tar_member(path, m)) for m in members]
        links = []
        for member, parts in plan:
            if not parts:
                continue
            if member.isdir():
                _new_dir(path, dest, member.name, parts)
                continue
            out = _new_path(path, dest, member.name, parts)
            if member.issym():
                os.symlink(member.linkname, out)
                links.append((member.name, out))
            elif member.islnk():  # a copy of a member already extracted
                source = dest.joinpath(
                    *_check_link(path, member.name, parts, member.linkname, hard=True)
                )
                _check_real(path, dest, member.name, source)
                if not source.is_file():
                    raise _unsafe(
                        path,
                        member.name,
                        f"a hard link to {member.linkname!r}, not a file extracted before it",
                    )
                shutil.copyfile(source, out)
            else:
                src = archive.extractfile(member)
                assert src is not None  # a regular file always has content
                with src, out.open("xb") as dst:
                    _copy(path, member.name, src, dst, budget)
        _check_links(path, dest, links)


def read_tar_files(
    path: Path, wanted: Callable[[str], bool] = lambda name: True
) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each regular file of a tar or tar.gz that ``wanted`` accepts.

    One pass in archive order, nothing written to disk. After the last member
    the end-of-archive marker (and a compressed stream's trailer) is checked,
    so a truncated archive is a :class:`DataError`, not a quietly shorter list.
    """
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isfile() and wanted(member.name):
                    src = archive.extractfile(member)
                    assert src is not None  # a regular file always has content
                    with src:
                        yield member.name, src.read()
            _check_tar_end(path, archive)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _archive_error(path, exc) from None


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError, zlib.error):
        return False


def extract_archive(
    path: Path,
    target: Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_members: int = MAX_MEMBERS,
    elsewhere: str = "",
) -> Path:
    """Extract a zip, tar or tar.gz into ``target`` (which must not exist yet), safely.

    Members are checked first and written into a temporary sibling folder that
    becomes ``target`` with one ``os.replace``; any failure removes it. An
    archive of more than ``max_members`` members, or more than ``max_bytes``
    bytes once extracted, is refused before anything is written: raise the
    limits only for an archive you trust. A failed write (a full disk, a
    read-only folder, ``ulimit -f``) is a
    :class:`~d2lkit.write_errors.WriteError` about ``target``, whose fix ends
    with ``elsewhere`` (another place to extract to).
    """
    _check_limit_argument("max_bytes", max_bytes)
    _check_limit_argument("max_members", max_members)
    path, target = Path(path), Path(target)
    if target.exists():
        raise DataError(
            f"cannot extract {path.name}: {target} already exists",
            fix="delete it, or extract into a new folder",
        )
    if zipfile.is_zipfile(path):
        extract = _extract_zip
    elif path.name.endswith(".zip") or not _is_tar(path):
        kind = "zip" if path.name.endswith(".zip") else "zip or tar"
        raise DataError(
            f"archive {path} is not a readable {kind} archive (truncated or not an archive at all)",
            fix=_refetch(path),
        )
    else:
        extract = _extract_tar
    action = f"extract {path.name} into"
    with explained_writes(target, action=action, elsewhere=elsewhere):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        # what is left to fail with an OSError is a write (damaged archives are named above)
        with explained_writes(target, action=action, elsewhere=elsewhere):
            try:
                extract(path, tmp, max_members, max_bytes)
            except (
                tarfile.TarError,
                EOFError,
                zlib.error,
                zipfile.BadZipFile,
                gzip.BadGzipFile,
            ) as exc:
                raise _archive_error(path, exc) from None
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def extract_into(path: Path, folder: Path) -> list[Path]:
    """Extract an archive into an existing ``folder``, replacing what it held under the same names.

    The book's ``extract`` semantics (``zipfile.extractall``), done safely: the
    archive goes through :func:`extract_archive` into a new sibling folder
    first; then each top-level entry is moved into ``folder``, an older entry of
    that name removed just before. Returns the moved entries' new paths.
    """
    path, folder = Path(path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=f".{path.name}.", suffix=".extract"))
    try:
        staging.rmdir()  # extract_archive wants a target that does not exist yet
        extract_archive(path, staging)
        moved = []
        for entry in sorted(staging.iterdir()):
            dest = folder / entry.name
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            elif dest.exists() or dest.is_symlink():
                dest.unlink()
            os.replace(entry, dest)
            moved.append(dest)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)
