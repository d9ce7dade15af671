"""The floor: a minimal hand-written loop over in-memory tensors, nothing else.

Plain torch: read the IDX files, build the book's model, and run SGD with one
``randperm`` per epoch. No callbacks, no logging, no checkpoint, no plot: what
any framework's loop should be measured against. Prints JSON on stdout.
"""

import gzip
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn


def read_idx(path: Path, offset: int) -> torch.Tensor:
    data = bytearray(gzip.decompress(path.read_bytes()))
    return torch.frombuffer(data, dtype=torch.uint8, offset=offset)


def build(recipe: str) -> tuple[nn.Module, float]:
    if recipe == "softmax-regression":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        nn.init.normal_(net[1].weight, std=0.01)
        return net, 0.1
    if recipe == "lenet":
        net = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.Sigmoid(),
            nn.AvgPool2d(2, 2),
            nn.Conv2d(6, 16, 5),
            nn.Sigmoid(),
            nn.AvgPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, 10),
        )
        lr = 0.9
    else:
        net = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.BatchNorm2d(6),
            nn.Sigmoid(),
            nn.AvgPool2d(2, 2),
            nn.Conv2d(6, 16, 5),
            nn.BatchNorm2d(16),
            nn.Sigmoid(),
            nn.AvgPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(256, 120),
            nn.BatchNorm1d(120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.BatchNorm1d(84),
            nn.Sigmoid(),
            nn.Linear(84, 10),
        )
        lr = 1.0
    for m in net.modules():  # the book's train_ch6 initialisation
        if isinstance(m, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
    return net, lr


def main(recipe: str, epochs: int, seed: int, data_dir: str) -> None:
    torch.manual_seed(seed)
    folder = Path(data_dir) / "fashion-mnist"
    start = time.perf_counter()
    X = read_idx(folder / "train-images-idx3-ubyte.gz", 16).view(-1, 1, 28, 28)
    y = read_idx(folder / "train-labels-idx1-ubyte.gz", 8).long()
    Xt = read_idx(folder / "t10k-images-idx3-ubyte.gz", 16).view(-1, 1, 28, 28)
    yt = read_idx(folder / "t10k-labels-idx1-ubyte.gz", 8).long()
    loaded = time.perf_counter()
    net, lr = build(recipe)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), 256):
            idx = order[i : i + 256]
            loss = loss_fn(net(X[idx].float().div_(255)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        correct = torch.zeros((), dtype=torch.long)
        with torch.no_grad():
            for i in range(0, len(yt), 1024):
                correct += (
                    net(Xt[i : i + 1024].float().div_(255)).argmax(1) == yt[i : i + 1024]
                ).sum()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "load_s": loaded - start,
                "loop_s": done - loaded,
                "total_s": done - start,
                "test_acc": correct.item() / len(yt),
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
