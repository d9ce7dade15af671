"""ResNet-18 at 96 px on Fashion-MNIST (d2l 7.6): images/s of the book's loop and d2lkit, one GPU.

    python benchmarks/bench_gpu_vs_book.py --book-python PYTHON [--epochs 2]

Contenders, each a fresh process on the same GPU, seed 0, the book's settings
(batch 256, SGD lr 0.05, Xavier init, 96 px):

- **book**: d2l 0.17.6 ``load_data_fashion_mnist(256, resize=96)`` +
  ``train_ch6`` (benchmarks/book_worker.py; PIL resizing in 4 workers);
- **d2lkit fp32**: ``d2lkit run resnet``: the book's numerics (cuDNN may use TF32);
- **d2lkit bf16+cl**: ``--set train.amp=true train.amp_dtype=bfloat16 train.channels_last=true``;
- **d2lkit bf16+cl+compile**: the same with ``train.compile=true``.

Each epoch is timed from its start to the end of its evaluation (the book:
between its animator's end-of-epoch calls). The first epoch pays warm-up
(cuDNN autotuning, compilation), so the speed column is the last epoch's
(60,000 training and 10,000 test images over its wall time). The book's
environment needs d2l 0.17.6 importable by PYTHON (benchmarks/setup_book_env.sh,
or wheels on PYTHONPATH); the data must be in $D2LKIT_DATA.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_book import _unpack_for_torchvision  # noqa: E402

VARIANTS = {
    "d2lkit fp32": [],
    "d2lkit bf16+cl": ["train.amp=true", "train.amp_dtype=bfloat16", "train.channels_last=true"],
    "d2lkit bf16+cl+compile": [
        "train.amp=true",
        "train.amp_dtype=bfloat16",
        "train.channels_last=true",
        "train.compile=true",
    ],
}


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")


def run_book(python: str, epochs: int, data_dir: Path, tmp: Path) -> dict:
    root = tmp / "book"
    _unpack_for_torchvision(data_dir, root)
    out = root / "result.json"
    command = [python, str(HERE / "book_worker.py"), "resnet", str(epochs), "0", str(out)]
    _check(subprocess.run(command, cwd=root / "work", capture_output=True, text=True), "book")
    result = json.loads(out.read_text())
    return {"epoch_s": result["epoch_s"], "test_acc": result["test_acc"]}


def run_d2lkit(settings: list[str], epochs: int, tmp: Path, label: str, extra: list[str]) -> dict:
    out = tmp / label.replace(" ", "_").replace("+", "-")
    command = [sys.executable, "-m", "d2lkit", "run", "resnet", "--epochs", str(epochs)]
    command += ["--seed", "0", "--out", str(out), "--offline", "--quiet"]
    command += [x for s in [*settings, *extra] for x in ("--set", s)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    _check(subprocess.run(command, env=env, capture_output=True, text=True), label)
    [run_dir] = [p for p in out.glob("resnet*/*") if not p.name.startswith(".")]
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    return {
        "epoch_s": [float(r["epoch_time"]) for r in rows],
        "test_acc": float(rows[-1]["test_acc"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book-python", default=sys.executable)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--skip-book", action="store_true")
    parser.add_argument(
        "--set", nargs="*", default=[], help="more settings for d2lkit (smoke runs)"
    )
    args = parser.parse_args()
    data_dir = Path(os.environ["D2LKIT_DATA"])
    import torch

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    print(f"GPU: {gpu}; torch {torch.__version__}; {os.cpu_count()} CPUs")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_book:
            results["book"] = run_book(args.book_python, args.epochs, data_dir, Path(tmp))
            print("book", results["book"], flush=True)
        for label, settings in VARIANTS.items():
            results[label] = run_d2lkit(settings, args.epochs, Path(tmp), label, args.set)
            print(label, results[label], flush=True)
    images = 60_000 + 10_000
    book = results.get("book")
    print("contender | epoch times s | images/s (last epoch) | vs book | test acc")
    print("--- | --- | --- | --- | ---")
    for label, r in results.items():
        speed = images / r["epoch_s"][-1]
        ratio = f"{book['epoch_s'][-1] / r['epoch_s'][-1]:.1f}x" if book else "-"
        times = ", ".join(f"{t:.1f}" for t in r["epoch_s"])
        print(f"{label} | {times} | {speed:,.0f} | {ratio} | {r['test_acc']:.4f}")


if __name__ == "__main__":
    main()
