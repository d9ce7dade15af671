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


class Residual(nn.Module):
    """The book's residual block (7.6)."""

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, 3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, 3, padding=1)
        self.conv3 = (
            nn.Conv2d(input_channels, num_channels, 1, stride=strides) if use_1x1conv else None
        )
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = torch.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        return torch.relu(Y + X)


def resnet18():
    """The book's ResNet-18 for 1-channel 96x96 images (7.6)."""

    def stage(c_in, c_out, blocks, first_block=False):
        layers = []
        for i in range(blocks):
            if i == 0 and not first_block:
                layers.append(Residual(c_in, c_out, use_1x1conv=True, strides=2))
            else:
                layers.append(Residual(c_out, c_out))
        return nn.Sequential(*layers)

    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    return nn.Sequential(
        b1,
        stage(64, 64, 2, first_block=True),
        stage(64, 128, 2),
        stage(128, 256, 2),
        stage(256, 512, 2),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(512, 10),
    )


def _record_epoch_ends(ends):
    """The book's train_ch6 ends each epoch with animator.add(epoch + 1, test acc), after
    its last batch's add at the same x: keep the time of the last call at each whole x."""
    add = d2l.Animator.add

    def timed_add(self, x, y):
        add(self, x, y)
        if float(x).is_integer():
            ends[int(x)] = time.perf_counter()

    d2l.Animator.add = timed_add


def _durations(start, ends):
    return [b - a for a, b in zip([start, *ends[:-1]], ends, strict=True)]


def main(recipe: str, epochs: int, seed: int, out: str) -> None:
    torch.manual_seed(seed)  # the book seeds nothing; this fixes init and shuffling
    epoch_ends = {}
    _record_epoch_ends(epoch_ends)
    start = time.perf_counter()
    resize = 96 if recipe == "resnet" else None
    train_iter, test_iter = d2l.load_data_fashion_mnist(256, resize=resize)
    loaded = time.perf_counter()
    if recipe == "resnet":
        net = resnet18()
        d2l.train_ch6(net, train_iter, test_iter, epochs, 0.05, d2l.try_gpu())
    elif recipe == "softmax-regression":
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
                "epoch_s": _durations(loaded, [epoch_ends[k] for k in sorted(epoch_ends)]),
                "total_s": done - start,
                "test_acc": d2l.evaluate_accuracy_gpu(net, test_iter),
                "threads": torch.get_num_threads(),
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
