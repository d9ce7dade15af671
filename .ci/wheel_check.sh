#!/usr/bin/env bash
# A real package: build the sdist and the wheel from what a clone has, check their metadata,
# check the wheel holds every file the package needs at run time, install the wheel (not
# editable) into a fresh virtual environment and run the CLI from it, outside the repository.
#
#   bash .ci/wheel_check.sh            # with the CI venv active (the dev extra: build, twine)
#   PYTHON=/path/to/python bash .ci/wheel_check.sh
#
# The fresh venv does not install torch again (about 6 GB): it is made without pip or
# setuptools of its own, and a .pth file puts the site-packages folders of $PYTHON after its
# own. pip then installs the wheel with --no-index, so every requirement of the wheel must be
# met by what is already there (or the install fails), and `pip check` checks them all. The
# wheel's d2lkit is first on the path; the script checks that the CLI runs from it, not from
# the repository. Everything it makes lives in one temporary folder, removed however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd -P)"
start=$SECONDS

py="${PYTHON:-$(command -v python || command -v python3)}"
if ! "$py" -c "import build, twine" 2>/dev/null; then
    echo "wheel_check: $py lacks build or twine: pip install -e '.[dev]' first" >&2
    exit 1
fi
data="${D2LKIT_DATA:-$repo/../shared/data}"
if [[ ! -d "$data/fashion-mnist" ]]; then
    echo "wheel_check: no fashion-mnist/ under $data: set D2LKIT_DATA" >&2
    exit 1
fi
data="$(cd "$data" && pwd -P)"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/d2lkit-wheel-check.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

echo "== the files a clone has (tracked, plus new files git does not ignore)"
copy="$scratch/source"
mkdir "$copy"
# a file deleted but not yet committed is left out, as a commit would leave it out
while IFS= read -r -d '' f; do
    if [[ -e "$f" ]]; then printf '%s\0' "$f"; fi
done < <(git ls-files -z --cached --others --exclude-standard) |
    tar --null -T - -cf - | tar -xf - -C "$copy"

echo "== build the sdist, then the wheel from the sdist (python -m build)"
"$py" -m build --outdir "$scratch/dist" "$copy" >"$scratch/build.log" 2>&1 || {
    tail -n 40 "$scratch/build.log" >&2
    exit 1
}
sdist=("$scratch"/dist/*.tar.gz)
wheel=("$scratch"/dist/*.whl)
[[ ${#sdist[@]} -eq 1 && -f "${sdist[0]}" && ${#wheel[@]} -eq 1 && -f "${wheel[0]}" ]] || {
    echo "wheel_check: expected one sdist and one wheel in $scratch/dist" >&2
    exit 1
}
echo "built $(basename "${sdist[0]}") and $(basename "${wheel[0]}")"

echo "== twine check --strict"
"$py" -m twine check --strict "${sdist[0]}" "${wheel[0]}"

echo "== the wheel's files against the package's sources"
"$py" - "$copy" "${wheel[0]}" "${sdist[0]}" <<'PY'
"""Every file under src/d2lkit (code, and any data file the code opens) must be in both."""
import sys
import tarfile
import zipfile
from pathlib import Path

source, wheel, sdist = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
package = source / "src" / "d2lkit"
needed = sorted(
    p.relative_to(package.parent).as_posix()
    for p in package.rglob("*")
    if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
)
in_wheel = zipfile.ZipFile(wheel).namelist()
print(f"{len(in_wheel)} files in the wheel:")
for name in in_wheel:
    print(f"  {name}")
with tarfile.open(sdist) as tar:  # "d2lkit-0.1.0/src/d2lkit/cli.py" -> "d2lkit/cli.py"
    in_sdist = {n.split("/", 2)[2] for n in tar.getnames() if n.count("/") >= 2}
failed = False
for where, names in (("wheel", set(in_wheel)), ("sdist", in_sdist)):
    missing = [n for n in needed if n not in names]
    if missing:
        failed = True
        print(f"wheel_check: {len(missing)} file(s) of src/d2lkit missing from the {where}:")
        print("\n".join(f"  {n}" for n in missing))
if not any(n.endswith(".dist-info/entry_points.txt") for n in in_wheel):
    failed = True
    print("wheel_check: the wheel has no entry_points.txt: no `d2lkit` command")
print(f"{len(needed)} files under src/d2lkit; all in the wheel and the sdist: {not failed}")
sys.exit(1 if failed else 0)
PY

echo "== install the wheel into a fresh venv (dependencies from $py's site-packages)"
venv="$scratch/venv"
"$py" -m venv --without-pip "$venv"
site="$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")"
"$py" - "$repo" >"$site/reuse-installed-packages.pth" <<'PY'
"""The site-packages folders on this interpreter's path, none inside the repository."""
import os
import sys

repo = os.path.realpath(sys.argv[1])
for entry in dict.fromkeys(sys.path):
    real = os.path.realpath(entry or ".")
    inside = real == repo or real.startswith(repo + os.sep)
    if os.path.basename(real) in ("site-packages", "dist-packages") and not inside:
        print(real)
PY
# pip notes that it leaves the editable d2lkit of $py alone ("outside environment"): expected.
if ! "$py" -m pip --python "$venv/bin/python" install --no-index "${wheel[0]}" \
    >"$scratch/install.log" 2>&1; then
    cat "$scratch/install.log" >&2
    exit 1
fi
tail -n 1 "$scratch/install.log"
"$py" -m pip --python "$venv/bin/python" check

echo "== run the CLI from the wheel, outside the repository"
work="$scratch/work"
mkdir "$work"
cd "$work"
export D2LKIT_DATA="$data" D2LKIT_CACHE="$scratch/cache" D2LKIT_OFFLINE=1 COLUMNS=80
unset PYTHONPATH
where="$("$venv/bin/python" -c "import d2lkit; print(d2lkit.__file__)")"
if [[ "$where" != "$venv"/* ]]; then
    echo "wheel_check: d2lkit is imported from $where, not from the wheel in $venv" >&2
    exit 1
fi
echo "d2lkit from $where"
"$venv/bin/d2lkit" --version
"$venv/bin/d2lkit" list >"$scratch/list.txt"
grep -q "^lenet-bn " "$scratch/list.txt" || {
    cat "$scratch/list.txt" >&2
    echo "wheel_check: d2lkit list does not list lenet-bn" >&2
    exit 1
}
echo "d2lkit list: $(grep -c . "$scratch/list.txt") lines"
"$venv/bin/d2lkit" show lenet-bn
"$venv/bin/d2lkit" reproduce softmax-regression --quick --offline --report "$work/quick"
"$venv/bin/python" - "$work/quick.json" <<'PY'
"""The quick run must have run: not skipped for want of data, no error."""
import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
rows = report["recipes"]
verdicts = {r["recipe"]: r["verdict"] for r in rows}
if verdicts != {"softmax-regression": "not compared (quick)"}:
    sys.exit(f"wheel_check: the quick run did not run: {verdicts}")
PY
cd "$repo"
echo "== wheel check passed in $((SECONDS - start)) s"
