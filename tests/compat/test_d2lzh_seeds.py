"""The course notes' code (seed 001: batch norm, ResNet, DenseNet, optimisation) on d2lkit.d2lzh.

The notes' text lost its indentation, so the snippets are transcribed here,
re-indented, with their own names and calls kept; epochs and data are cut down.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lkit.d2lzh as d2l
from d2lkit.data import TensorLoader


def batch_norm(is_training, X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not is_training:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=0, keepdim=True).mean(dim=2, keepdim=True).mean(dim=3, keepdim=True)
            var = (
                ((X - mean) ** 2)
                .mean(dim=0, keepdim=True)
                .mean(dim=2, keepdim=True)
                .mean(dim=3, keepdim=True)
            )
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    return gamma * X_hat + beta, moving_mean, moving_var


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.zeros(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            self.training, X, self.gamma, self.beta, self.moving_mean, self.moving_var, 1e-5, 0.9
        )
        return Y


def _small(loader, n):
    """The first ``n`` examples of a d2lkit loader, same transform (the notes' epochs are long)."""
    X, y = loader.tensors
    return TensorLoader(X[:n], y[:n], batch_size=loader.batch_size, transform=loader.transform)


@pytest.mark.slow
def test_batch_norm_lenet_trains_with_train_ch5(capsys, data_root):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5), BatchNorm(6, num_dims=4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), BatchNorm(16, num_dims=4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        d2l.FlattenLayer(),
        nn.Linear(16 * 4 * 4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
        nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
        nn.Linear(84, 10),
    )  # fmt: skip
    batch_size = 64
    train_iter, test_iter = d2l.load_data_fashion_mnist(
        batch_size, root="/home/kesci/input/FashionMNIST2065"
    )
    train_iter, test_iter = _small(train_iter, 1024), _small(test_iter, 256)
    lr, num_epochs = 0.001, 2
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, optimizer, device, num_epochs)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"training on  {device}"
    line = r"epoch \d, loss \d\.\d{4}, train acc \d\.\d{3}, test acc \d\.\d{3}, time \d+\.\d sec"
    assert len(out) == 3 and all(re.fullmatch(line, s) for s in out[1:])
    assert 0 < d2l.evaluate_accuracy(test_iter, net) <= 1


def resnet_block(in_channels, out_channels, num_residuals, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(d2l.Residual(in_channels, out_channels, use_1x1conv=True, stride=2))
        else:
            blk.append(d2l.Residual(out_channels, out_channels))
    return nn.Sequential(*blk)


def test_resnet_shapes_with_the_notes_layers(capsys):
    X = torch.rand((4, 3, 6, 6))
    assert d2l.Residual(3, 3)(X).shape == (4, 3, 6, 6)
    assert d2l.Residual(3, 6, use_1x1conv=True, stride=2)(X).shape == (4, 6, 3, 3)
    net = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    net.add_module("resnet_block1", resnet_block(64, 64, 2, first_block=True))
    net.add_module("resnet_block2", resnet_block(64, 128, 2))
    net.add_module("resnet_block3", resnet_block(128, 256, 2))
    net.add_module("resnet_block4", resnet_block(256, 512, 2))
    net.add_module("global_avg_pool", d2l.GlobalAvgPool2d())
    net.add_module("fc", nn.Sequential(d2l.FlattenLayer(), nn.Linear(512, 10)))
    X = torch.rand((1, 1, 96, 96))
    for name, layer in net.named_children():
        X = layer(X)
        print(name, " output shape:\t", X.shape)
    out = capsys.readouterr().out
    assert "global_avg_pool  output shape:\t torch.Size([1, 512, 1, 1])" in out
    assert X.shape == (1, 10)


def test_dense_block_and_transition():
    def conv_block(in_channels, out_channels):
        return nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(),
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        )

    class DenseBlock(nn.Module):
        def __init__(self, num_convs, in_channels, out_channels):
            super().__init__()
            self.net = nn.ModuleList(
                conv_block(in_channels + i * out_channels, out_channels) for i in range(num_convs)
            )
            self.out_channels = in_channels + num_convs * out_channels

        def forward(self, X):
            for blk in self.net:
                X = torch.cat((X, blk(X)), dim=1)
            return X

    Y = DenseBlock(2, 3, 10)(torch.rand(4, 3, 8, 8))
    assert Y.shape == (4, 23, 8, 8)
    transition = nn.Sequential(
        nn.BatchNorm2d(23), nn.ReLU(), nn.Conv2d(23, 10, kernel_size=1), nn.AvgPool2d(2, 2)
    )
    assert transition(Y).shape == (4, 10, 4, 4)
    assert F.relu(torch.tensor([-1.0])).item() == 0


def test_optimisation_plots_and_2d_traces(capsys, tmp_path):
    def f(x):
        return x * np.cos(np.pi * x)

    d2l.set_figsize((4.5, 2.5))
    x = np.arange(-1.0, 2.0, 0.1)
    (fig,) = d2l.plt.plot(x, f(x))
    fig.axes.annotate(
        "local minimum", xy=(-0.3, -0.25), xytext=(-0.77, -1.0), arrowprops={"arrowstyle": "->"}
    )
    d2l.plt.xlabel("x")
    d2l.plt.ylabel("f(x)")
    x, y = np.mgrid[-1:1:31j, -1:1:31j]
    d2l.set_figsize((6, 4))
    ax = d2l.plt.figure().add_subplot(111, projection="3d")
    ax.plot_wireframe(x, y, x**2 - y**2, rstride=2, cstride=2)
    d2l.plt.xticks([-1, 0, 1])
    d2l.plt.yticks([-1, 0, 1])
    assert d2l.plt.rcParams["figure.figsize"] == [6.0, 4.0]

    eta = 0.1

    def f_2d(x1, x2):
        return x1**2 + 2 * x2**2

    def gd_2d(x1, x2):
        return (x1 - eta * 2 * x1, x2 - eta * 4 * x2)

    results = d2l.train_2d(gd_2d)
    assert len(results) == 21
    assert capsys.readouterr().out == "epoch 20, x1 -0.057646, x2 -0.000073\n"
    d2l.show_trace_2d(f_2d, results)
    assert (tmp_path / "plots" / "trace_2d.png").is_file()
