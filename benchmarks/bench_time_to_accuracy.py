"""Time to 0.90 and 0.92 test accuracy on Fashion-MNIST: fast recipes beside the book's LeNet-BN.

    python benchmarks/bench_time_to_accuracy.py [--seeds 0 1 2] [--recipes fashion-fast ...]

Each (recipe, seed) runs ``d2lkit run RECIPE --seed S`` in a fresh process, one
after another, and is timed from outside: wall time of the whole command
(interpreter start-up, imports, data read and verified, training, evaluation,
run folder written) and the CPU time the process used. From the run's
metrics.csv it reads when each target accuracy was first reached (start-up plus
the epochs up to that one). Needs the data in $D2LKIT_DATA (or --data-dir).

On a machine shared with other busy jobs wall time is inflated by their load
(the load average is printed); CPU time is what the run itself used, though
threads waiting on each other under contention inflate it too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(recipe: str, seed: int, out: Path, extra: list[str], targets: list[float]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "d2lkit", "run", recipe, "--seed", str(seed), "--out"]
    command += [str(out), "--offline", "--quiet", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{recipe} seed {seed} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # the folder is named after the recipe, plus "+model" when --set changed the model
    runs = [p for p in out.glob(f"{recipe}*/*") if not p.name.startswith(".")]
    run_dir = max(runs, key=lambda p: p.stat().st_mtime)
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    summary = json.loads((run_dir / "summary.json").read_text())
    fit = sum(float(r["epoch_time"]) for r in rows)
    overhead = wall - fit  # start-up, data, writing: paid before the first epoch counts
    reached = {}
    for target in targets:
        elapsed = overhead
        reached[target] = None
        for row in rows:
            elapsed += float(row["epoch_time"])
            if float(row["test_acc"]) >= target:
                reached[target] = (elapsed, int(row["epoch"]))
                break
    return {
        "wall": wall,
        "cpu": cpu,
        "acc": summary["final"]["test_acc"],
        "epochs": len(rows),
        "reached": reached,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recipes", nargs="+", default=["fashion-fast", "fashion-fast-92", "lenet-bn"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--set", nargs="*", default=[], help="extra --set overrides for every run")
    parser.add_argument("--targets", nargs="+", type=float, default=[0.90, 0.92])
    args = parser.parse_args()
    extra = [x for s in args.set for x in ("--set", s)]
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        results: dict[str, list[dict]] = {}
        for seed in args.seeds:  # interleaved: a slow spell hits every recipe alike
            for recipe in args.recipes:
                r = run_once(recipe, seed, Path(tmp), extra, args.targets)
                results.setdefault(recipe, []).append(r)
                hit = ", ".join(
                    f"to {t:.2f} " + (f"{v[0]:.1f} s (ep {v[1]})" if v else "-")
                    for t, v in r["reached"].items()
                )
                print(
                    f"  {recipe} seed {seed}: test acc {r['acc']:.4f} after {r['epochs']} epochs, "
                    f"wall {r['wall']:.1f} s, cpu {r['cpu']:.0f} s, {hit}, "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    columns = " | ".join(f"to {t:.2f}" for t in args.targets)
    print(f"recipe | final test acc (min/median) | wall s | cpu s (medians) | {columns}")
    print("--- | --- | --- | --- | " + " | ".join("---" for _ in args.targets))
    for recipe, runs in results.items():
        accs = [r["acc"] for r in runs]
        cells = []
        for target in args.targets:
            times = [r["reached"][target][0] for r in runs if r["reached"][target]]
            ok = len(times)
            cells.append(
                f"{statistics.median(times):.1f} s ({ok}/{len(runs)})" if times else "never"
            )
        print(
            f"{recipe} | {min(accs):.4f} / {statistics.median(accs):.4f} | "
            f"{statistics.median(r['wall'] for r in runs):.1f} | "
            f"{statistics.median(r['cpu'] for r in runs):.0f} | {' | '.join(cells)}"
        )


if __name__ == "__main__":
    main()
