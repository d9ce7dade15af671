"""TensorLoader: each example once per epoch, reproducible, resumable, shardable."""

from __future__ import annotations

import pytest
import torch

from d2lkit.data import TensorLoader


def _data(n: int = 103) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.arange(n).float().unsqueeze(1), torch.arange(n)


def _epoch_labels(loader: TensorLoader) -> torch.Tensor:
    return torch.cat([y for _, y in loader])


def test_shuffled_epoch_serves_every_example_exactly_once():
    loader = TensorLoader(*_data(), batch_size=10, shuffle=True, seed=1)
    for _ in range(3):
        labels = _epoch_labels(loader)
        assert sorted(labels.tolist()) == list(range(103))
    assert len(loader) == 11


def test_features_and_labels_stay_aligned():
    X, y = _data()
    for xb, yb in TensorLoader(X, y, batch_size=16, shuffle=True):
        assert torch.equal(xb.squeeze(1).long(), yb)


def test_same_seed_same_batches_and_new_order_each_epoch():
    a = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=7)
    b = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=7)
    first_a, first_b = _epoch_labels(a), _epoch_labels(b)
    assert torch.equal(first_a, first_b)
    assert not torch.equal(_epoch_labels(a), first_a)  # the next epoch is reshuffled
    other = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=8)
    assert not torch.equal(_epoch_labels(other), first_a)


def test_without_shuffle_batches_come_in_order():
    assert _epoch_labels(TensorLoader(*_data(), batch_size=10)).tolist() == list(range(103))


def test_drop_last_skips_the_short_batch():
    loader = TensorLoader(*_data(), batch_size=10, shuffle=True, drop_last=True)
    sizes = [y.shape[0] for _, y in loader]
    assert sizes == [10] * 10 and len(loader) == 10


def test_state_dict_replays_the_following_epochs():
    loader = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=3)
    _epoch_labels(loader)
    state = loader.state_dict()
    expected = [_epoch_labels(loader) for _ in range(2)]
    fresh = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=999)
    fresh.load_state_dict(state)
    for want in expected:
        assert torch.equal(_epoch_labels(fresh), want)


def test_transform_applies_to_features_only():
    loader = TensorLoader(*_data(), batch_size=5, transform=lambda x: x * 2)
    X, y = next(iter(loader))
    assert X.squeeze(1).tolist() == [0, 2, 4, 6, 8] and y.tolist() == [0, 1, 2, 3, 4]


def test_shards_are_disjoint_equal_and_cover_all_but_the_remainder():
    shards = [
        TensorLoader(*_data(), batch_size=4, shuffle=True, seed=5, rank=r, world_size=3)
        for r in range(3)
    ]
    seen = [set(_epoch_labels(s).tolist()) for s in shards]
    assert [len(s) for s in seen] == [34, 34, 34]
    assert not (seen[0] & seen[1] or seen[1] & seen[2] or seen[0] & seen[2])
    assert len(set.union(*seen)) == 102


def test_evaluation_shares_cover_every_example_once():
    shards = [TensorLoader(*_data(), batch_size=4, rank=r, world_size=4) for r in range(4)]
    labels = [_epoch_labels(s).tolist() for s in shards]
    assert [s.num_examples for s in shards] == [26, 26, 26, 25] == [len(x) for x in labels]
    assert sorted(x for share in labels for x in share) == list(range(103))


def test_set_epoch_draws_the_order_from_seed_and_epoch_alone():
    a = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=5)
    b = TensorLoader(*_data(), batch_size=8, shuffle=True, seed=5)
    for _ in range(3):  # a has served more epochs than b: the order still agrees
        _epoch_labels(a)
    a.set_epoch(2)
    b.set_epoch(2)
    want = _epoch_labels(b)
    assert torch.equal(_epoch_labels(a), want)
    b.set_epoch(3)
    assert not torch.equal(_epoch_labels(b), want)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorLoader(torch.zeros(3, 1), torch.zeros(4), batch_size=2)
