"""d2lkit against the book's own loop and a minimal hand loop, side by side.

    python benchmarks/bench_vs_book.py --book-python /tmp/d2l-book-venv/bin/python

For each recipe the three contenders run in fresh processes, one after the
other (the order rotates between repeats, so slow spells of a shared machine
do not always hit the same one), on the same data and hyperparameters:

- book:    d2l 0.17.6's load_data_fashion_mnist + train_ch3/train_ch6, as the
           book runs them (4 DataLoader workers, per-sample PIL transforms);
- minimal: a hand loop over in-memory tensors (benchmarks/minimal_worker.py);
- d2lkit:  ``run_recipe`` exactly as ``d2lkit run`` does it: verified data,
           TensorLoader, Trainer with progress, CSV/JSONL, PNG and checkpoint.

Each process times itself from "start loading data" to "last evaluation done",
so interpreter start-up and imports are excluded for all three. Set up the
book's environment once with benchmarks/setup_book_env.sh (needs the package
index); without --book-python the book column is skipped.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"softmax-regression": 8.0, "lenet-bn": 2.5}  # minimum speed-up over the book
MAX_OVER_MINIMAL = 1.15  # the toolkit's loop may cost at most 15% more than the floor


def d2lkit_worker(recipe_name: str, epochs: int, seed: int, data_dir: str) -> dict[str, float]:
    import torch

    from d2lkit.experiments import apply_overrides, get_recipe, run_recipe

    recipe = get_recipe(recipe_name)
    # torch's own thread count, as the book's loop and the minimal one use: the loops are
    # compared, not the thread choice (bench_threads.py measures that)
    settings = [f"train.epochs={epochs}", f"train.seed={seed}"]
    config = apply_overrides(recipe.config, [*settings, f"train.threads={torch.get_num_threads()}"])
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_recipe(recipe, config, out=out, data_root=data_dir, progress=True)
        done = time.perf_counter()
    return {
        "load_s": done - start - result.summary["wall_time_s"],
        "loop_s": result.summary["wall_time_s"],
        "total_s": done - start,
        "test_acc": result.history[-1]["test_acc"],
        "threads": torch.get_num_threads(),
    }


def _unpack_for_torchvision(data_dir: Path, root: Path) -> None:
    raw = root / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in (data_dir / "fashion-mnist").glob("*-ubyte.gz"):
        with gzip.open(gz) as src, (raw / gz.name[:-3]).open("wb") as dst:
            shutil.copyfileobj(src, dst)
    (root / "work").mkdir()


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return proc


def run_contender(
    name: str,
    recipe: str,
    epochs: int,
    seed: int,
    data_dir: Path,
    book_python: str | None,
    book_root: Path,
) -> dict[str, float]:
    if name == "book":
        out = book_root / f"result-{recipe}.json"
        _run(
            [book_python, str(HERE / "book_worker.py"), recipe, str(epochs), str(seed), str(out)],
            cwd=book_root / "work",
        )
        return json.loads(out.read_text())
    if name == "minimal":
        proc = _run(
            [
                sys.executable,
                str(HERE / "minimal_worker.py"),
                recipe,
                str(epochs),
                str(seed),
                str(data_dir),
            ]
        )
    else:
        proc = _run(
            [
                sys.executable,
                __file__,
                "--worker",
                recipe,
                "--epochs",
                str(epochs),
                "--seed",
                str(seed),
                "--data-dir",
                str(data_dir),
            ]
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _report(recipe: str, results: dict[str, list[dict[str, float]]]) -> list[str]:
    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in results.items()
        if runs
    }
    lines = [
        f"\n{recipe}  (median of {max(len(r) for r in results.values())} run(s))",
        f"{'contender':10s} {'total s':>8s} {'loop s':>8s} {'load s':>7s} {'test acc':>9s}"
        f"  {'acc range':>15s}",
    ]
    for name, m in med.items():
        accs = [r["test_acc"] for r in results[name]]
        lines.append(
            f"{name:10s} {m['total_s']:8.2f} {m['loop_s']:8.2f} {m['load_s']:7.2f} "
            f"{m['test_acc']:9.4f}  {min(accs):.4f}-{max(accs):.4f}"
        )
    ours = med.get("d2lkit")
    if ours and "book" in med:
        speedup = med["book"]["total_s"] / ours["total_s"]
        gap = abs(ours["test_acc"] - med["book"]["test_acc"])
        target = TARGETS.get(recipe)
        verdict = (
            ""
            if target is None
            else (f"  target >= {target:g}x: {'met' if speedup >= target else 'MISSED'}")
        )
        lines.append(f"speed-up over the book (total wall time): {speedup:.1f}x{verdict}")
        lines.append(
            f"accuracy gap to the book (medians): {gap * 100:.1f} points "
            f"({'within' if gap <= 0.01 else 'outside'} ±1)"
        )
    if ours and "minimal" in med:
        for part in ("loop_s", "total_s"):
            ratio = ours[part] / med["minimal"][part]
            lines.append(
                f"d2lkit / minimal ({part[:-2]}): {ratio:.2f}  "
                f"(limit {MAX_OVER_MINIMAL:.2f}: "
                f"{'met' if ratio <= MAX_OVER_MINIMAL else 'MISSED'})"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=["softmax-regression", "lenet-bn", "lenet"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs per contender; repeat r uses seed r for all three",
    )
    parser.add_argument("--contenders", nargs="+", default=["book", "minimal", "d2lkit"])
    parser.add_argument("--book-python", default=os.environ.get("D2L_BOOK_PYTHON"))
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("D2LKIT_DATA") or str(HERE.parent.parent / "shared" / "data"),
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.stderr = io.StringIO() if not sys.stderr.isatty() else sys.stderr
        print(json.dumps(d2lkit_worker(args.worker, args.epochs, args.seed, args.data_dir)))
        return

    data_dir = Path(args.data_dir).resolve()
    contenders = list(args.contenders)
    if "book" in contenders and not args.book_python:
        print(
            "no --book-python given: skipping the book's loop "
            "(set it up with benchmarks/setup_book_env.sh)"
        )
        contenders.remove("book")
    import torch

    print(
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads,"
        f" {args.epochs} epochs, data {data_dir}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        book_root = Path(tmp)
        if "book" in contenders:
            _unpack_for_torchvision(data_dir, book_root)
        for recipe in args.recipes:
            results: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
            for rep in range(args.repeats):
                order = contenders[rep % len(contenders) :] + contenders[: rep % len(contenders)]
                for name in order:
                    r = run_contender(
                        name, recipe, args.epochs, rep, data_dir, args.book_python, book_root
                    )
                    results[name].append(r)
                    print(
                        f"  {recipe} {name} seed {rep}: {r['total_s']:.2f} s, "
                        f"test acc {r['test_acc']:.4f}",
                        flush=True,
                    )
            print("\n".join(_report(recipe, results)), flush=True)


if __name__ == "__main__":
    main()
