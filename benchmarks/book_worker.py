"""Run the book's own loop (d2l 0.17.6 train_ch3 / train_ch6) and time it.

Runs in a separate environment that has ``d2l`` (see setup_book_env.sh), with
the working directory chosen so the book's hard-coded ``../data`` holds
Fashion-MNIST unpacked for torchvision. Writes its figures as JSON to argv[4].
The models and hyperparameters are the book's, as listed in its sections.
"""

import json
import sys
import time

import torch
from d2l import torch as d2l
from torch import nn


def softmax_regression():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    nn.init.normal_(net[1].weight, std=0.01)  # the book's init_weights
    return net


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )


def lenet_bn():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5),
        nn.BatchNorm2d(6),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.BatchNorm2d(16),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(256, 120),
        nn.BatchNorm1d(120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.BatchNorm1d(84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )


def main(recipe: str, epochs: int, seed: int, out: str) -> None:
    torch.manual_seed(seed)  # the book seeds nothing; this fixes init and shuffling
    start = time.perf_counter()
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    loaded = time.perf_counter()
    if recipe == "softmax-regression":
        net = softmax_regression()
        loss = nn.CrossEntropyLoss(reduction="none")
        trainer = torch.optim.SGD(net.parameters(), lr=0.1)
        d2l.train_ch3(net, train_iter, test_iter, loss, epochs, trainer)
    else:
        net, lr = (lenet(), 0.9) if recipe == "lenet" else (lenet_bn(), 1.0)
        d2l.train_ch6(net, train_iter, test_iter, epochs, lr, d2l.try_gpu())
    done = time.perf_counter()
    with open(out, "w") as f:
        json.dump(
            {
                "load_s": loaded - start,
                "loop_s": done - loaded,
                "total_s": done - start,
                "test_acc": d2l.evaluate_accuracy_gpu(net, test_iter),
                "threads": torch.get_num_threads(),
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
