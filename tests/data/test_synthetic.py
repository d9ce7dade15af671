"""Synthetic data of 3.1, 4.4 and 4.5: the book's parameters, reproducible from a seed."""

from __future__ import annotations

import math

import torch

from d2lkit.data import synthetic


def test_linear_data_follows_y_equals_xw_plus_b_with_noise_001():
    w, b = torch.tensor([2.0, -3.4]), 4.2
    X, y = synthetic.synthetic_data(w, b, 100_000, generator=0)
    assert X.shape == (100_000, 2) and y.shape == (100_000, 1)
    residual = y[:, 0] - (X @ w + b)
    assert abs(residual.std().item() - 0.01) < 2e-4 and abs(residual.mean().item()) < 2e-4
    assert abs(X.mean().item()) < 0.01 and abs(X.std().item() - 1) < 0.01


def test_same_seed_same_data_other_seed_other_data():
    a = synthetic.synthetic_data([1.0, 2.0], 0.5, 10, generator=torch.Generator().manual_seed(3))
    b = synthetic.synthetic_data([1.0, 2.0], 0.5, 10, generator=3)
    c = synthetic.synthetic_data([1.0, 2.0], 0.5, 10, generator=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_polynomial_features_are_powers_divided_by_factorials():
    data = synthetic.polynomial_data(generator=0)
    assert data.features.shape == (200, 1) and data.poly_features.shape == (200, 20)
    assert data.true_w[:4].tolist() == [
        5.0,
        1.2000000476837158,
        -3.4000000953674316,
        5.599999904632568,
    ]
    assert (data.true_w[4:] == 0).all()
    x = data.features[:, 0].double()
    for i in (0, 1, 2, 3, 10, 19):
        expected = (x**i / math.gamma(i + 1)).float()
        torch.testing.assert_close(data.poly_features[:, i], expected)
    noise = data.labels.double() - data.poly_features.double() @ data.true_w.double()
    assert 0.07 < noise.std().item() < 0.13  # N(0, 0.1) over 200 draws


def test_polynomial_split_gives_100_train_and_100_test_on_the_chosen_degree():
    data = synthetic.polynomial_data(generator=1)
    (X_train, y_train), (X_test, y_test) = data.split(degree=4)
    assert X_train.shape == (100, 4) and X_test.shape == (100, 4)
    assert y_train.shape == (100, 1) and y_test.shape == (100, 1)
    torch.testing.assert_close(X_test, data.poly_features[100:, :4])
    assert data.split()[0][0].shape == (100, 20)


def test_high_dimensional_data_of_4_5():
    (X_train, y_train), (X_test, y_test), w, b = synthetic.high_dim_linear_data(generator=0)
    assert X_train.shape == (20, 200) and y_train.shape == (20, 1)
    assert X_test.shape == (100, 200) and y_test.shape == (100, 1)
    assert w.shape == (200, 1) and (w == 0.01).all() and b == 0.05
    residual = y_test - (X_test @ w + b)
    assert residual.abs().max() < 0.05  # noise N(0, 0.01)
    again = synthetic.high_dim_linear_data(generator=0)
    assert torch.equal(again[0][0], X_train) and torch.equal(again[1][1], y_test)
