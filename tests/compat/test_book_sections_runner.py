"""The section runner's caps (benchmarks/book_sections.py): what a capped loader still serves."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
import torch

from d2lkit.data.loaders import TensorLoader

RUNNER = Path(__file__).resolve().parents[2] / "benchmarks" / "book_sections.py"


def _capped_loader(monkeypatch: pytest.MonkeyPatch, batch_size: int) -> TensorLoader:
    """A loader of 1500 examples as returned through the runner's patched ``load_array``."""
    spec = importlib.util.spec_from_file_location("book_sections", RUNNER)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    lib = types.ModuleType("fake_book_lib")
    features = torch.arange(1500.0).reshape(1500, 1)
    lib.load_array = lambda size: TensorLoader(features, batch_size=size)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_book_lib", lib)
    prelude = runner.PRELUDE.format(
        max_epochs=2, max_batches=20, min_examples=200, lib="fake_book_lib", extra=""
    )
    threads = torch.get_num_threads()
    try:
        exec(compile(prelude, "prelude", "exec"), {})  # the runner sets one thread
    finally:
        torch.set_num_threads(threads)
    return lib.load_array(batch_size)  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize(
    ("batch_size", "batches", "examples"),
    [(1, 200, 200), (5, 40, 200), (10, 20, 200), (100, 15, 1500), (256, 6, 1500)],
)
def test_a_capped_pass_serves_20_batches_or_200_examples(
    monkeypatch: pytest.MonkeyPatch, batch_size: int, batches: int, examples: int
) -> None:
    # chapter 11's train_ch11 draws a point every 200 examples: a pass must reach one
    loader = _capped_loader(monkeypatch, batch_size)
    served = [x.shape[0] for (x,) in loader]
    assert len(served) == len(loader) == batches
    assert sum(served) == examples
