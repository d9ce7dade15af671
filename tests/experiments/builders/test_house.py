"""Kaggle house prices: the book's features and ours, fold by fold, without leaks."""

from __future__ import annotations

import dataclasses

import torch

from d2lkit.experiments.builders.house import book_features, house_table, strong_features
from d2lkit.train.kfold import kfold_indices


def test_strong_features_of_training_rows_never_see_the_held_out_rows(data_root):
    table = house_table(data_root)
    fold = kfold_indices(table.num_train, 5)[2]
    before = strong_features(table, fold.train)
    train = table.train.copy()
    valid = fold.valid.numpy()
    for column in ("GrLivArea", "LotArea", "LotFrontage", "TotalBsmtSF"):
        train.loc[valid, column] = train.loc[valid, column] * 7 + 1000
    changed = dataclasses.replace(table, train=train)
    after = strong_features(changed, fold.train)
    torch.testing.assert_close(after.features[fold.train], before.features[fold.train])
    torch.testing.assert_close(after.targets[fold.train], before.targets[fold.train])
    assert not torch.equal(after.features[fold.valid], before.features[fold.valid])


def test_strong_features_leave_the_two_outliers_out_of_training_rows_only(data_root):
    table = house_table(data_root)
    outliers = {523, 1298}  # 0-based rows of Ids 524 and 1299
    prepared = strong_features(table, torch.arange(table.num_train))
    assert not outliers & set(prepared.fit_rows.tolist())
    assert len(prepared.fit_rows) == table.num_train - 2
    for fold in kfold_indices(table.num_train, 5):
        fit = set(strong_features(table, fold.train).fit_rows.tolist())
        assert fit == set(fold.train.tolist()) - outliers


def test_book_features_are_the_books(data_root):
    table = house_table(data_root)
    prepared = book_features(table, torch.arange(10))
    assert prepared.features.shape == (2919, 330)
    assert prepared.targets.shape == (1460, 1) and prepared.targets[0, 0] == 208500
