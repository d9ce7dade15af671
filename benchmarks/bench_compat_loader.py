"""Fashion-MNIST at 224 px (the AlexNet/VGG/NiN sections): batches/s, d2lkit.torch vs d2l.

    D2LKIT_DATA=... python benchmarks/bench_compat_loader.py --book-python PATH [--batches 20]

Each contender runs in a fresh process that times only iterating ``--batches``
training batches of ``load_data_fashion_mnist(128, resize=224)`` (plus the
loader construction, reported apart), one thread for torch. Runs alternate
between the two libraries, ``--repeats`` times; the medians are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

WORKER = """
import json, sys, time, torch
torch.set_num_threads(1)
lib, batches = sys.argv[1], int(sys.argv[2])
if lib == "d2lkit":
    from d2lkit import torch as d2l
else:
    from d2l import torch as d2l
start = time.perf_counter()
train_iter, _ = d2l.load_data_fashion_mnist(128, resize=224)
built = time.perf_counter()
for i, (X, y) in enumerate(train_iter):
    assert X.shape == (X.shape[0], 1, 224, 224)
    if i + 1 == batches:
        break
done = time.perf_counter()
print(json.dumps({"build_s": built - start, "iterate_s": done - built}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book-python", required=True)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    from book_sections import book_workspace

    data = Path(os.environ["D2LKIT_DATA"])
    cwd = book_workspace(data) / "work"
    script = cwd.parent / "loader_worker.py"
    script.write_text(WORKER)
    src = str(here.parent / "src")
    runs: dict[str, list[dict[str, float]]] = {"d2lkit": [], "d2l": []}
    for _ in range(args.repeats):
        for lib, python in (("d2lkit", sys.executable), ("d2l", args.book_python)):
            env = {**os.environ, "PYTHONPATH": src if lib == "d2lkit" else ""}
            out = subprocess.run(
                [python, str(script), lib, str(args.batches)],
                cwd=cwd, env=env, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            runs[lib].append(json.loads(out.strip().splitlines()[-1]))
    for lib, rows in runs.items():
        it = statistics.median(r["iterate_s"] for r in rows)
        build = statistics.median(r["build_s"] for r in rows)
        print(
            f"{lib:7} build {build:6.2f} s, {args.batches} batches {it:6.2f} s "
            f"({args.batches * 128 / it:7.1f} images/s), median of {len(rows)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
