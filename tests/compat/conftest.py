"""Compat tests: real data from the shared folder, plots to a temporary folder, pandas restored."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path | None:
    for candidate in (os.environ.get("D2LKIT_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "fashion-mnist").is_dir():
            return Path(candidate).resolve()
    return None


SHARED_DATA = shared_data()


@pytest.fixture(autouse=True)
def _book_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[None]:
    from d2lkit.compat import pandas_book

    if SHARED_DATA is not None:
        monkeypatch.setenv("D2LKIT_DATA", str(SHARED_DATA))
    monkeypatch.setenv("D2LKIT_PLOTS", str(tmp_path / "plots"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    pandas_book.enable()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: threads only contend on a shared machine
    yield
    torch.set_num_threads(threads)
    pandas_book.disable()
    if "matplotlib.pyplot" in sys.modules:  # close the book's figures; never import pyplot here
        sys.modules["matplotlib.pyplot"].close("all")


def _get_params(vocab_size, num_hiddens, device):
    params = [
        torch.randn(vocab_size, num_hiddens) * 0.01,
        torch.randn(num_hiddens, num_hiddens) * 0.01,
        torch.zeros(num_hiddens),
        torch.randn(num_hiddens, vocab_size) * 0.01,
        torch.zeros(vocab_size),
    ]
    return [p.requires_grad_() for p in params]


def _init_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def _rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(X @ W_xh + H @ W_hh + b_h)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


def _book_scratch_rnn(vocab_size=28, num_hiddens=16):
    from d2lkit import torch as d2l

    return d2l.RNNModelScratch(vocab_size, num_hiddens, "cpu", _get_params, _init_state, _rnn)


@pytest.fixture()
def scratch_rnn():
    """A factory of the book's from-scratch RNN (8.5): its own get_params/init_state/forward."""
    return _book_scratch_rnn


def pytest_collection_finish(session: pytest.Session) -> None:
    """Importing d2lkit.torch during collection made pandas book-like: undo it for other tests."""
    from d2lkit.compat import pandas_book

    pandas_book.disable()
