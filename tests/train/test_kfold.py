"""K-fold splits: no row on both sides of a fold, every row validated once; Kaggle's log-RMSE."""

from __future__ import annotations

import math

import pytest
import torch

from d2lkit.train.kfold import fold_means, kfold_indices, log_rmse
from d2lkit.train.tasks import Regression


@pytest.mark.parametrize(("n", "k", "shuffle"), [(1460, 5, False), (23, 4, False), (23, 4, True)])
def test_no_row_is_in_both_parts_and_every_row_is_validated_once(n, k, shuffle):
    folds = kfold_indices(n, k, shuffle=shuffle, seed=3)
    assert [f.number for f in folds] == list(range(k))
    for fold in folds:
        train, valid = set(fold.train.tolist()), set(fold.valid.tolist())
        assert not train & valid
        assert train | valid == set(range(n))
    validated = torch.cat([f.valid for f in folds]).sort().values
    assert torch.equal(validated, torch.arange(n))
    sizes = [len(f.valid) for f in folds]
    assert max(sizes) - min(sizes) <= 1


def test_without_shuffle_the_parts_are_the_books_contiguous_blocks():
    folds = kfold_indices(1460, 5)
    assert torch.equal(folds[1].valid, torch.arange(292, 584))  # the book's slice(292, 584)
    assert torch.equal(folds[0].train, torch.arange(292, 1460))


def test_shuffled_folds_follow_the_seed():
    a = kfold_indices(50, 5, shuffle=True, seed=1)
    b = kfold_indices(50, 5, shuffle=True, seed=1)
    c = kfold_indices(50, 5, shuffle=True, seed=2)
    assert all(torch.equal(x.valid, y.valid) for x, y in zip(a, b, strict=True))
    assert any(not torch.equal(x.valid, y.valid) for x, y in zip(a, c, strict=True))


def test_bad_k_is_refused():
    with pytest.raises(ValueError):
        kfold_indices(10, 1)
    with pytest.raises(ValueError):
        kfold_indices(3, 5)


def test_log_rmse_matches_a_hand_computation_and_clamps_below_one_dollar():
    predictions = torch.tensor([100.0, 200.0, 0.5])
    targets = torch.tensor([110.0, 180.0, 2.0])
    by_hand = math.sqrt(
        (
            (math.log(100) - math.log(110)) ** 2
            + (math.log(200) - math.log(180)) ** 2
            + (math.log(1.0) - math.log(2.0)) ** 2  # 0.5 is clamped to 1, as the book does
        )
        / 3
    )
    assert log_rmse(predictions, targets) == pytest.approx(by_hand, rel=1e-12)


def test_log_rmse_equals_the_regression_tasks_figure():
    torch.manual_seed(0)
    X, y = torch.randn(40, 3), torch.rand(40, 1) * 1e5 + 1e4
    model = torch.nn.Linear(3, 1)
    torch.nn.init.constant_(model.bias, 5e4)
    task = Regression(log_rmse=True)
    with torch.no_grad():
        step = task.step(model, torch.nn.MSELoss(), (X, y))
        figures = task.report({k: float(v) / 40 for k, v in step.sums.items()})
        expected = log_rmse(model(X), y)
    assert figures["log_rmse"] == pytest.approx(expected, rel=1e-5)


def test_fold_means_average_every_figure_but_the_fold_number():
    rows = [{"fold": 1, "a": 1.0, "b": 3.0}, {"fold": 2, "a": 2.0, "b": 5.0}]
    assert fold_means(rows) == {"a": 1.5, "b": 4.0}
