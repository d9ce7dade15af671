"""Folders extracted from an archive: their files, their digest, and checking them.

A folder is verified like a file: by a tree digest (the sha1 of every file's
relative path and sha1, in sorted order), either one the catalog lists for a
known copy or the one d2lkit recorded in a manifest when it extracted a
verified archive there.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from d2lkit.atomic import write_text_atomic
from d2lkit.data.catalog import DataFile, fetch_command
from d2lkit.data.paths import ENV_DATA
from d2lkit.errors import DataError

__all__ = [
    "MANIFEST",
    "digest",
    "file_sha1s",
    "tree_digest",
    "tree_digest_of",
    "tree_files",
    "verify_tree",
    "write_manifest",
]

MANIFEST = ".d2lkit-tree.json"  # written beside the files of a folder d2lkit extracted
_CHUNK = 1 << 20  # 1 MiB per read while hashing


def digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _is_own_temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith((".tmp", ".lock"))


def tree_files(folder: Path, entry: DataFile | None = None) -> list[str]:
    """Relative POSIX paths of the files of a folder, sorted; d2lkit's own files left out.

    Left out: the archive itself (when it lives in the folder), ``.part``
    downloads, the manifest, unfinished extractions (``.*.tmp`` folders),
    unfinished atomic writes (``.*.tmp`` files) and locks (``.*.lock``).
    """
    skip_top = {entry.name} if entry is not None else set()
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not (d.startswith(".") and d.endswith(".tmp"))]
        rel_dir = Path(dirpath).relative_to(folder)
        for name in filenames:
            if name.endswith(".part") or name == MANIFEST or _is_own_temporary(name):
                continue
            if rel_dir == Path(".") and name in skip_top:
                continue
            found.append((rel_dir / name).as_posix())
    return sorted(found)


def file_sha1s(folder: Path, files: list[str]) -> dict[str, str]:
    return {rel: digest(folder / rel, "sha1") for rel in files}


def tree_digest_of(sha1s: dict[str, str]) -> str:
    h = hashlib.sha1()
    for rel in sorted(sha1s):
        h.update(f"{rel}\0{sha1s[rel]}\n".encode())
    return f"sha1:{h.hexdigest()}"


def tree_digest(folder: Path, entry: DataFile | None = None) -> str:
    """ "sha1:" of every file's relative path and sha1, in sorted order: a folder's checksum."""
    folder = Path(folder)
    return tree_digest_of(file_sha1s(folder, tree_files(folder, entry)))


def _manifest_problem(manifest: object) -> str | None:
    """What makes ``manifest`` other than what :func:`write_manifest` writes; None if nothing."""
    if not isinstance(manifest, dict):
        names: dict[type, str] = {list: "list", str: "string"}
        kind = names.get(type(manifest), type(manifest).__name__)
        return f"holds a JSON {kind}, not the object d2lkit writes"
    for key in ("archive", "archive_checksum", "tree", "files"):
        if key not in manifest:
            return f"has no {key}"
    for key in ("archive", "archive_checksum", "tree"):
        value = manifest[key]
        if not isinstance(value, str):
            return f"{key} is {value!r} (a {type(value).__name__}), expected a str"
    files = manifest["files"]
    if not isinstance(files, dict):
        return f"files is {files!r} (a {type(files).__name__}), expected an object"
    for rel, sha1 in files.items():
        if not isinstance(sha1, str):
            return f"files[{rel!r}] is {sha1!r} (a {type(sha1).__name__}), expected a str"
    return None


def _read_manifest(folder: Path) -> tuple[dict[str, object] | None, str]:
    """The manifest d2lkit wrote in ``folder``, checked; else None and why (or "" if absent)."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"its manifest {path} cannot be read ({exc.strerror})"
    except ValueError:
        return None, f"its manifest {path} is not valid JSON"
    problem = _manifest_problem(manifest)
    if problem is not None:
        return None, f"its manifest {path} {problem}"
    return manifest, ""


def _tree_differences(recorded: dict[str, str], actual: dict[str, str]) -> str:
    changed = [
        f"{rel} (changed)"
        for rel in sorted(recorded)
        if rel in actual and actual[rel] != recorded[rel]
    ]
    missing = [f"{rel} (missing)" for rel in sorted(set(recorded) - set(actual))]
    extra = [f"{rel} (not in the archive)" for rel in sorted(set(actual) - set(recorded))]
    items = changed + missing + extra
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def verify_tree(folder: Path, entry: DataFile) -> None:
    """A folder passes if its tree digest is a known copy's, or the one d2lkit recorded."""
    if entry.unpack_to is None:
        raise DataError(
            f"{folder} is a folder, but the catalog lists {entry.name} as a file",
            fix=f"put the file {entry.name} there instead",
        )
    sha1s = file_sha1s(folder, tree_files(folder, entry))
    actual = tree_digest_of(sha1s)
    if actual in entry.tree_checksums:
        return
    manifest, unreadable = _read_manifest(folder)
    if manifest is not None and manifest["archive_checksum"] in entry.checksums:
        if manifest["tree"] == actual:
            return
        recorded = manifest["files"]
        assert isinstance(recorded, dict)  # checked by _read_manifest
        detail = f": {_tree_differences(recorded, sha1s)}" if recorded else ""
        problem = f"its files differ from those extracted from {entry.name}{detail}"
    elif unreadable:  # a manifest d2lkit did not write as it is: it proves nothing
        problem = f"{unreadable}, so what was extracted there cannot be known"
    else:
        known = ", ".join(entry.tree_checksums) or "none listed"
        problem = (
            f"its tree digest is {actual}, which is neither a known copy's ({known}) nor "
            f"one recorded when d2lkit extracted {entry.name}"
        )
    raise DataError(
        f"{folder} failed verification: {problem}",
        fix=(
            f"delete the folder's content and run {fetch_command(entry)} to extract "
            f"{entry.name} again, or point --data-dir / ${ENV_DATA} at a good copy"
        ),
    )


def write_manifest(folder: Path, entry: DataFile) -> None:
    """Record the tree digest of a folder just extracted from ``entry``'s verified archive."""
    sha1s = file_sha1s(folder, tree_files(folder, entry))
    manifest = {
        "archive": entry.name,
        "archive_checksum": entry.checksum,
        "tree": tree_digest_of(sha1s),
        "files": sha1s,
    }
    write_text_atomic(folder / MANIFEST, json.dumps(manifest, indent=0, sort_keys=True))
