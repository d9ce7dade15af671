"""What drawing costs an epoch: d2l 1.0's softmax regression with its ProgressBoard on and off.

    python benchmarks/bench_board.py [--epochs 5] [--points-per-epoch 235] [--repeat 3]

The English book's softmax regression (4.5) on Fashion-MNIST (batch 256, 235
batches per epoch), with the board drawing a point every batch (the worst
case: the book's default is 2 points per epoch) and headless, so every redraw
renders the figure and writes ``board.png``. Prints the seconds per epoch
with the board displaying and with ``display = False`` (points still
collected), medians over ``--repeat`` fits, one torch thread: a redraw costs
about 0.1 s and comes at most once a second, plus once when ``fit`` ends.
Needs ``D2LKIT_DATA``; writes its PNGs to a temporary folder that it removes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time


def _epoch_seconds(display: bool, points: int, epochs: int) -> float:
    import torch

    from d2lkit.v1 import torch as d2l

    data = d2l.FashionMNIST(batch_size=256)
    model = d2l.SoftmaxRegression(num_outputs=10, lr=0.1)
    model.plot_train_per_epoch = points
    model.board.display = display
    trainer = d2l.Trainer(max_epochs=epochs)
    torch.manual_seed(0)
    start = time.perf_counter()
    trainer.fit(model, data)
    return (time.perf_counter() - start) / epochs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--points-per-epoch", type=int, default=235)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    plots = tempfile.mkdtemp(prefix="d2lkit-bench-board-")
    os.environ["D2LKIT_PLOTS"] = plots
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        _epoch_seconds(True, 2, 1)  # warm-up: imports, data read, matplotlib
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.repeat):
            for display in (True, False):
                times[display].append(_epoch_seconds(display, args.points_per_epoch, args.epochs))
    finally:
        shutil.rmtree(plots, ignore_errors=True)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"epochs: {args.epochs}, points per epoch: {args.points_per_epoch}")
    print(f"board displaying: {on:.2f} s/epoch   board off: {off:.2f} s/epoch   ")
    print(f"drawing: {on - off:+.2f} s ({(on - off) / off:+.0%} of the epoch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
