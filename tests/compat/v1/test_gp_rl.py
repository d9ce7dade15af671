"""d2l 1.0's GP kernel and RL plots (17-18): the book's figures and panels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from d2lkit.v1 import torch as d2l

DESC = np.array([[b"S", b"F", b"F", b"F"], [b"F", b"H", b"F", b"H"],
                 [b"F", b"F", b"F", b"H"], [b"H", b"F", b"F", b"G"]])  # fmt: skip  # FrozenLake 4x4


def test_rbfkernel_keeps_the_books_code_which_divides_by_2_ls():
    x1, x2 = np.array([0.0, 1.0, 2.5]), np.array([0.0, 2.0])
    k = d2l.rbfkernel(x1, x2, ls=4.0)
    assert isinstance(k, np.ndarray) and k.shape == (3, 2) and k.dtype == np.float64
    # the book's code: exp(-(1 / ls / 2) * distance^2), worked by hand
    assert k[1, 1] == pytest.approx(math.exp(-1 / 8))
    assert k[2, 0] == pytest.approx(math.exp(-6.25 / 8))
    broadcast = np.exp(-((x1[:, None] - x2[None, :]) ** 2) / (2 * 0.2))
    np.testing.assert_allclose(d2l.rbfkernel(x1, x2, ls=0.2), broadcast, rtol=1e-12)
    assert np.allclose(np.diag(d2l.rbfkernel(x1, x1)), 1.0)  # default ls=4


def _titles():
    import matplotlib.pyplot as plt

    fig = plt.figure(plt.get_fignums()[-1])
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_value_function_progress_draws_every_iteration(tmp_path):
    V = np.linspace(0, 1, 3 * 16).reshape(3, 16)
    pi = np.zeros((3, 16), dtype=int)
    d2l.show_value_function_progress(DESC, V, pi)
    assert _titles() == ["Step = 1", "Step = 2", "Step = 3"]
    assert (tmp_path / "plots" / "value_function.png").is_file()  # headless: a PNG


def test_q_function_progress_draws_about_ten_snapshots_and_the_last():
    V_all = np.random.default_rng(0).random((25, 16))
    pi_all = np.ones((25, 16))  # the book builds float arrays of actions
    d2l.show_Q_function_progress(DESC, V_all, pi_all)
    # the book's iterations 0, 2, ..., 24 (every 25 // 10), shown as steps 1, 3, ..., 25
    assert _titles() == [f"Step = {i}" for i in range(1, 26, 2)]
