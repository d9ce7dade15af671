"""Examples/s of each speed switch (AMP, channels_last, torch.compile), side by side.

    python benchmarks/bench_speed_switches.py [--repeats 3] [--batches 6] [--no-compile]
    python benchmarks/bench_speed_switches.py --device cuda --batches 40   # on a GPU
    python benchmarks/bench_speed_switches.py --suite memory-format --batches 4

``--suite memory-format`` times NCHW against NHWC (``channels_last``) for the
book's networks of chapters 6 and 7 at the book's image sizes: the
measurement behind ``channels_last="auto"`` (d2lkit.train.memory_format).

Each model trains a few batches of random images through the d2lkit
``Trainer`` (the loop ``d2lkit run`` uses) once per switch; the switches are
interleaved within each repeat, and the median of the repeats is printed, so
a slow spell of a shared machine does not land on one switch only. The same
settings are recipe settings: ``--set train.amp=true train.amp_dtype=bfloat16``,
``--set train.channels_last=true``, ``--set train.compile=true``.

On a machine shared with other busy jobs absolute figures are low and noisy;
compare the columns of one run with each other, not with another run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.models import create_model
from d2lkit.train import Trainer

# (model, image side, batch size, model arguments): the book's LeNet-BN at 28 px; a small
# ResNet at 96 px on a CPU, the book's ResNet-18 (7.6) at 96 px on a GPU.
MODELS: dict[str, list[tuple[str, int, int, dict]]] = {
    "cpu": [("lenet_bn", 28, 256, {}), ("fast_cnn", 28, 256, {}), ("resnet18_tiny", 96, 64, {})],
    "cuda": [("lenet_bn", 28, 256, {}), ("fast_cnn_wide", 28, 256, {}), ("resnet18", 96, 256, {})],
}
# Chapters 6 and 7 at the book's sizes (smaller batches than the book's 128/256: the
# per-example cost is what is compared).
BOOK_CNNS = [
    ("lenet", 28, 256, {}),
    ("lenet_bn", 28, 256, {}),
    ("alexnet", 224, 32, {}),
    ("vgg11", 224, 32, {"ratio": 4}),
    ("nin", 224, 32, {}),
    ("googlenet", 96, 64, {}),
    ("resnet18", 96, 64, {}),
    ("densenet", 96, 64, {}),
]
SWITCHES = {
    "fp32": {},
    "channels_last": {"channels_last": True},
    "bf16": {"amp": "bfloat16"},
    "bf16+channels_last": {"amp": "bfloat16", "channels_last": True},
    "compile": {"compile": True},
}
GPU_SWITCHES = {  # float16 (with loss scaling) is a CUDA setting
    "fp16+channels_last": {"amp": "float16", "channels_last": True},
}


def examples_per_sec(
    name: str, side: int, batch: int, kwargs: dict, batches: int, switch: dict, device: str
) -> float:
    torch.manual_seed(0)
    model = create_model(name, **kwargs)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, device=device, **switch)
    X = torch.rand(batch * batches, 1, side, side)
    y = torch.randint(0, 10, (batch * batches,))
    warm = TensorLoader(X[: 2 * batch], y[: 2 * batch], batch_size=batch, device=device)
    trainer.fit(warm, epochs=1)  # warm-up (compilation, cuDNN's algorithm search)
    loader = TensorLoader(X, y, batch_size=batch, device=device)
    start = time.perf_counter()
    trainer.fit(loader, epochs=2)  # one more epoch (the warm-up counted as the first)
    return batch * batches / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--suite", choices=["switches", "memory-format"], default="switches")
    args = parser.parse_args()
    every = {**SWITCHES, **(GPU_SWITCHES if args.device == "cuda" else {})}
    switches = {k: v for k, v in every.items() if not (args.no_compile and "compile" in v)}
    models = MODELS[args.device]
    if args.suite == "memory-format":
        switches = {k: SWITCHES[k] for k in ("fp32", "channels_last")}  # NCHW against NHWC
        models = BOOK_CNNS
    torch.backends.cudnn.benchmark = True  # as d2lkit run sets it on a GPU
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"load average {load:.1f} at start (a shared machine: compare columns, not runs)"
    )
    if args.device == "cuda":
        print(f"GPU: {torch.cuda.get_device_name()}, CUDA {torch.version.cuda}")
    results: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for name, side, batch, kwargs in models:
            for label, switch in switches.items():
                speed = examples_per_sec(
                    name, side, batch, kwargs, args.batches, switch, args.device
                )
                results.setdefault((name, label), []).append(speed)
                print(f"  {name} {label}: {speed:,.0f} examples/s", flush=True)
    header = ["model (px, batch)", *switches]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for name, side, batch, _ in models:
        base = statistics.median(results[(name, "fp32")])
        cells = [f"{name} ({side}, {batch})"]
        for label in switches:
            speed = statistics.median(results[(name, label)])
            cells.append(f"{speed:,.0f} ({speed / base:.2f}x)")
        print(" | ".join(cells))
    print(f"examples/s, median of {args.repeats}; (x) = relative to fp32 in this run")


if __name__ == "__main__":
    main()
