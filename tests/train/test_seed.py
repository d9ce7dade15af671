"""Seeding: one seed fixes every global generator; a saved RNG state replays the same draws."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from d2lkit.train.checkpoint import load_checkpoint, save_checkpoint
from d2lkit.train.seed import get_rng_state, seed_everything, set_rng_state


@pytest.fixture(autouse=True)
def _restore_global_generators():
    """These tests move the global generators; put them back for the tests that follow."""
    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield
    random.setstate(saved[0])
    np.random.set_state(saved[1])
    torch.set_rng_state(saved[2])


def _draws() -> tuple[list[float], list[float], torch.Tensor]:
    """A few numbers from each global generator: Python's, NumPy's and torch's."""
    return (
        [random.random() for _ in range(3)],
        [*np.random.rand(3).tolist(), float(np.random.randn())],  # randn: the cached gauss
        torch.rand(3),
    )


def _assert_same(a, b) -> None:
    assert a[0] == b[0]
    assert a[1] == b[1]
    torch.testing.assert_close(a[2], b[2], rtol=0, atol=0)


def test_the_same_seed_gives_the_same_draws_from_every_generator():
    seed_everything(7)
    first = _draws()
    seed_everything(7)
    _assert_same(first, _draws())


def test_different_seeds_give_different_draws():
    seed_everything(0)
    a = _draws()
    seed_everything(1)
    b = _draws()
    assert a[0] != b[0] and a[1] != b[1] and not torch.equal(a[2], b[2])


def test_seeds_beyond_numpys_32_bits_are_accepted():
    seed_everything(2**40 + 3)
    first = _draws()
    seed_everything(2**40 + 3)
    _assert_same(first, _draws())


def test_set_rng_state_replays_the_draws_that_followed_get_rng_state():
    seed_everything(3)
    _draws()  # move away from the freshly seeded state
    np.random.randn()  # leave a cached Gaussian in NumPy's state
    state = get_rng_state()
    expected = _draws()
    _draws()
    set_rng_state(state)
    _assert_same(expected, _draws())


def test_the_rng_state_survives_a_weights_only_checkpoint(tmp_path):
    seed_everything(11)
    np.random.randn()
    path = save_checkpoint({"rng": get_rng_state()}, tmp_path / "checkpoint.pt")
    expected = _draws()
    seed_everything(12)
    set_rng_state(load_checkpoint(path)["rng"])
    _assert_same(expected, _draws())
