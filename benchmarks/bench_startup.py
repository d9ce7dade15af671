"""Start-up: the wall time of the quick commands beside ``python -c "import torch"``.

    D2LKIT_DATA=../shared/data python benchmarks/bench_startup.py [--repeats 5] [--markdown]
        [--src PATH]    # another checkout's src/ (e.g. main's), to compare before and after

Each command runs ``--repeats`` times in a fresh process (``python -m d2lkit
...`` with this interpreter; the commands are interleaved, so a burst of load
on a shared machine touches all of them alike) and the median, min and max
wall times are printed, beside ``python -c "pass"`` (the interpreter alone)
and ``python -c "import torch"``. One more, untimed, run of each under ``-X
importtime`` says whether the command imported torch. The target (issue 22):
each quick command at most 1 s on an idle machine, and no torch.

The offline "missing files" answer runs ``d2lkit run softmax-regression
--offline`` against an empty data folder; it must exit 2 with the message.
Everything the commands write (run folders, the verdict cache) goes to a
temporary folder that is removed however the benchmark ends.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _commands(data: Path, empty: Path, out: Path) -> list[tuple[str, list[str], int]]:
    """(label, argv after the interpreter, expected exit code) of each contender."""
    d2lkit = ["-m", "d2lkit"]
    return [
        ('python -c "pass"', ["-c", "pass"], 0),
        ('python -c "import torch"', ["-c", "import torch"], 0),
        ("d2lkit --help", [*d2lkit, "--help"], 0),
        ("d2lkit list", [*d2lkit, "list"], 0),
        ("d2lkit show lenet-bn", [*d2lkit, "show", "lenet-bn"], 0),
        ("d2lkit data list", [*d2lkit, "data", "list", "--data-dir", str(data)], 0),
        (
            "d2lkit data verify fashion-mnist",
            [*d2lkit, "data", "verify", "fashion-mnist", "--data-dir", str(data)],
            0,
        ),
        (
            "d2lkit run softmax-regression --offline (no data)",
            [
                *d2lkit,
                "run",
                "softmax-regression",
                "--offline",
                "--quiet",
                "--data-dir",
                str(empty),
                "--out",
                str(out),
            ],
            2,
        ),
        # What `show` and the offline answer of `run` need once the CLI calls the torch-free
        # pieces (recipe, editions, model signatures from source, the store): no CLI around them.
        ("pieces of show lenet-bn (no CLI)", ["-c", _SHOW_PIECES], 0),
        ("pieces of run --offline (no CLI)", ["-c", _OFFLINE_PIECES.format(empty=str(empty))], 0),
    ]


_SHOW_PIECES = """
from d2lkit.experiments import get_recipe
from d2lkit.experiments.config import settings
from d2lkit.experiments.editions import section_label
from d2lkit.models.signatures import model_signature
recipe = get_recipe("lenet-bn")
rows = list(settings(recipe.config))
sig = model_signature(recipe.config.model.name)
print(section_label(recipe.name), len(rows), [a.name for a in sig.arguments])
"""

_OFFLINE_PIECES = """
from d2lkit.data.missing import DataSetUnavailable
from d2lkit.data.store import fetch
from d2lkit.experiments import get_recipe
recipe = get_recipe("softmax-regression")
try:
    fetch(recipe.config.data.dataset, {empty!r}, offline=True)
except DataSetUnavailable as exc:
    print(exc)
else:
    raise SystemExit("expected the missing-files answer")
"""


def _run(argv: list[str], expected: int, env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    elapsed = time.perf_counter() - start
    if done.returncode != expected:
        raise SystemExit(
            f"`{' '.join(argv)}` exited {done.returncode}, expected {expected}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return elapsed


def _imports_torch(argv: list[str], env: dict[str, str], cwd: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # -X importtime writes one line per module: "import time: self | cumulative | name".
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    return "torch" in names


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per command")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    parser.add_argument(
        "--src", type=Path, default=REPO / "src", help="the d2lkit sources to time (its src/)"
    )
    args = parser.parse_args()
    data = Path(os.environ.get("D2LKIT_DATA", REPO.parent / "shared" / "data")).resolve()
    if not (data / "fashion-mnist").is_dir():
        raise SystemExit(f"no fashion-mnist/ under {data}: set D2LKIT_DATA to the data folder")

    scratch = Path(tempfile.mkdtemp(prefix="d2lkit-bench-startup-"))
    try:
        empty, out, cache = scratch / "empty-data", scratch / "runs", scratch / "cache"
        empty.mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(args.src.resolve()), os.environ.get("PYTHONPATH", "")) if p
            ),
            "D2LKIT_DATA": str(data),
            "D2LKIT_CACHE": str(cache),  # verdicts go to the scratch folder, not ~/.cache
            "COLUMNS": "80",
        }
        commands = _commands(data, empty, out)
        if not (args.src / "d2lkit" / "models" / "signatures.py").exists():  # an older checkout
            commands = [c for c in commands if not c[0].startswith("pieces ")]
        times: dict[str, list[float]] = {label: [] for label, _, _ in commands}
        for _label, argv, expected in commands:  # warm the file cache once, untimed
            _run(argv, expected, env, scratch)
        for _ in range(args.repeats):
            for label, argv, expected in commands:
                times[label].append(_run(argv, expected, env, scratch))
        torch_loaded = {label: _imports_torch(argv, env, scratch) for label, argv, _ in commands}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} CPUs, load {load[0]:.2f}; "
        f"Python {platform.python_version()}, torch {_version('torch')}; "
        f"median of {args.repeats} fresh processes; d2lkit from {args.src.resolve()}"
    )
    rows = []
    for label, _, _ in commands:
        t = times[label]
        rows.append(
            (label, statistics.median(t), min(t), max(t), "yes" if torch_loaded[label] else "no")
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  median s  min-max s    torch")
    for label, median, low, high, torch in rows:
        print(f"{label:<{width}}  {median:8.2f}  {low:4.2f}-{high:<5.2f}  {torch}")
    if args.markdown:
        print("\n| command | median s | min-max s | imports torch |\n|---|---|---|---|")
        for label, median, low, high, torch in rows:
            print(f"| `{label}` | {median:.2f} | {low:.2f}-{high:.2f} | {torch} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
