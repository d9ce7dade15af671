"""Every speed figure of docs/benchmarks.md, in one command.

    python benchmarks/run_all.py [--quick] [--book-python PATH]

Runs, one after another: the speed switches (bench_speed_switches.py), time
to accuracy (bench_time_to_accuracy.py) and, when the book's environment is
given, d2lkit against the book (bench_vs_book.py). ``--quick`` uses one
repeat and one seed. Needs the data in $D2LKIT_DATA.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--book-python", help="python of the book's d2l 0.17.6 environment")
    args = parser.parse_args()
    repeats = ["--repeats", "1"] if args.quick else []
    steps = [
        ["bench_speed_switches.py", *repeats],
        ["bench_time_to_accuracy.py", *(["--seeds", "0"] if args.quick else [])],
    ]
    if args.book_python:
        steps.append(["bench_vs_book.py", "--book-python", args.book_python, *repeats])
    for script, *rest in steps:
        print(f"\n## {script} {' '.join(rest)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *rest], check=True)


if __name__ == "__main__":
    main()
