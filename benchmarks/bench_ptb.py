"""word2vec's PTB pipeline (14.3): ``load_data_ptb(512, 5, 5)``, d2lkit vs the book's d2l.

    D2LKIT_DATA=... python benchmarks/bench_ptb.py [--book-python PY | --book-path DIR]
        [--repeats 1]

Each contender runs in a fresh process, one torch thread, and times building
the loader (reading PTB, the vocabulary, subsampling, windows, negatives) and
then one full epoch of batches: d2lkit's library (``d2lkit.data.ptb``), its
book facade (``d2lkit.torch``) and, when given, the book's own library (d2l
0.17.6, from ``--book-python`` or a source folder on ``--book-path``), which
reads ``../data/ptb.zip`` in a temporary workspace. Runs alternate; medians
are printed.
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
lib = sys.argv[1]
start = time.perf_counter()
if lib == "d2lkit":
    from d2lkit.data import ptb
    data_iter, vocab = ptb.load_data_ptb(512, 5, 5, seed=0)
else:
    if lib == "facade":
        from d2lkit import torch as d2l
    else:
        from d2l import torch as d2l
    torch.manual_seed(0)
    data_iter, vocab = d2l.load_data_ptb(512, 5, 5)
built = time.perf_counter()
batches = pairs = 0
for center, context_negative, mask, label in data_iter:
    batches += 1
    pairs += int(mask.sum())
done = time.perf_counter()
print(json.dumps({"build_s": built - start, "epoch_s": done - built, "batches": batches,
                  "pairs": pairs, "vocab": len(vocab)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book-python", help="an interpreter with d2l 0.17.6 installed")
    parser.add_argument("--book-path", help="a folder holding the d2l package (d2l/torch.py)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    from book_sections import book_workspace

    data = Path(os.environ["D2LKIT_DATA"])
    cwd = book_workspace(data) / "work"  # removed at exit
    script = cwd.parent / "ptb_worker.py"
    script.write_text(WORKER)
    src = str(here.parent / "src")
    contenders = [("d2lkit", sys.executable, src), ("facade", sys.executable, src)]
    if args.book_python or args.book_path:
        contenders.append(("d2l", args.book_python or sys.executable, args.book_path or ""))
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in contenders}
    for _ in range(args.repeats):
        for name, python, path in contenders:
            env = {**os.environ, "PYTHONPATH": path, "CUDA_VISIBLE_DEVICES": ""}
            out = subprocess.run(
                [python, str(script), name],
                cwd=cwd, env=env, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    for name, rows in runs.items():
        build = statistics.median(r["build_s"] for r in rows)
        epoch = statistics.median(r["epoch_s"] for r in rows)
        last = rows[-1]
        print(
            f"{name:7} build {build:6.2f} s, one epoch {epoch:6.2f} s "
            f"({last['batches']} batches, {last['pairs']} context and noise words, "
            f"vocab {last['vocab']}), median of {len(rows)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
