"""Wall time of `d2lkit run` with auto-chosen threads against torch's default, alone and in pairs.

    D2LKIT_DATA=DIR python benchmarks/bench_threads.py [--recipes softmax-regression lenet-bn
        seq2seq] [--epochs 2] [--repeats 1]

For every recipe, four measurements, each of whole `d2lkit run NAME --epochs
E --offline` processes (start-up, data, training, files: what a learner
waits for):

- **alone**, torch's default threads (one per core) against **auto**;
- **pair**: two runs of the recipe started together, both default or both
  auto; the pair's time is the later finish.

``auto`` is ``--set train.threads=auto`` (the default:
:func:`d2lkit.train.threads.choose_threads` on the run's own model and first
batch); ``default`` is ``--set train.threads=N`` with torch's own count. Each
auto run's choice and reason are printed. Modes alternate first/second between repeats, and the
median of the repeats is printed with the load average before each
measurement: on a shared machine the figures are noisy, compare the columns
of one invocation. Targets (issue 22): auto no slower alone, at least 1.3x
faster for the pair. Run folders go to a temporary folder, removed at exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
RECIPES = ("softmax-regression", "lenet-bn", "seq2seq")
MODES = ("default", "auto")


def _command(mode: str, recipe: str, epochs: int, out: Path, default: int) -> list[str]:
    threads = "auto" if mode == "auto" else str(default)
    args = ["run", recipe, "--epochs", str(epochs), "--out", str(out), "--offline"]
    return [sys.executable, "-m", "d2lkit", *args, "--set", f"train.threads={threads}"]


def _torch_default(env: dict[str, str]) -> int:
    """The thread count torch starts with here (one per core, or $OMP_NUM_THREADS)."""
    code = "import torch; print(torch.get_num_threads())"
    return int(
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
    )


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _measure(commands: list[list[str]], env: dict[str, str]) -> tuple[float, list[str]]:
    """Start the commands together; the seconds until the last ends, and each one's choice."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    notes = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            tail = "\n".join((stderr or stdout).strip().splitlines()[-8:])
            raise SystemExit(f"{' '.join(proc.args)} failed ({proc.returncode}):\n{tail}")
        notes += [
            line.split("threads: ", 1)[1] for line in stderr.splitlines() if "threads: " in line
        ]
    return time.perf_counter() - start, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("D2LKIT_DATA"):
        parser.error("set D2LKIT_DATA to the data folder")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
        "MPLBACKEND": "Agg",
    }
    out = Path(tempfile.mkdtemp(prefix="d2lkit-bench-threads-"))
    try:
        return _bench(args, env, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _bench(args: argparse.Namespace, env: dict[str, str], out: Path) -> int:
    times: dict[tuple[str, str, str], list[float]] = {}
    default = _torch_default(env)
    print(f"{os.cpu_count()} cores, torch's default {default} threads; load before: {_load()}")
    for recipe in args.recipes:
        for repeat in range(args.repeats):
            order = MODES if repeat % 2 == 0 else MODES[::-1]
            for shape, count in (("alone", 1), ("pair", 2)):
                for mode in order:
                    load = _load()
                    commands = [
                        _command(mode, recipe, args.epochs, out, default) for _ in range(count)
                    ]
                    seconds, notes = _measure(commands, env)
                    times.setdefault((recipe, shape, mode), []).append(seconds)
                    print(
                        f"{recipe:20} {shape:5} {mode:7} {seconds:7.1f} s  load {load}"
                        + "".join(f"\n    threads {note}" for note in notes),
                        flush=True,
                    )
    print(f"\nload average after: {_load()}; median of {args.repeats}, seconds per process/pair")
    print(
        "| recipe | alone default | alone auto | default / auto | pair default | pair auto "
        "| default / auto |"
    )
    print("|---|---|---|---|---|---|---|")
    for recipe in args.recipes:
        cells = []
        for shape in ("alone", "pair"):
            default = statistics.median(times[(recipe, shape, "default")])
            auto = statistics.median(times[(recipe, shape, "auto")])
            cells += [f"{default:.1f} s", f"{auto:.1f} s", f"{default / auto:.2f}x"]
        print(f"| {recipe} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
