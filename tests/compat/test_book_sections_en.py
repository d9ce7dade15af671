"""The section runner's English-book parts (benchmarks/book_sections_en.py, --edition en)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
import torch

from d2lkit.data.loaders import TensorLoader

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> types.ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


SECTION = """\
# A section

```{.python .input}
%load_ext d2lbook.tab
tab.interact_select(['mxnet', 'pytorch'])
```

```{.python .input  n=2}
%%tab pytorch
%matplotlib inline
from d2l import torch as d2l
import torch
```

```{.python .input}
%%tab mxnet
from mxnet import np
```

```{.python .input  n=4}
%%tab all
if tab.selected('pytorch'):
    x = 1
num_epochs = 10
```

```{.python .input}
#@tab mxnet, pytorch
y = 2
```
"""


def test_the_english_cells_a_pytorch_reader_runs_become_one_script(tmp_path: Path):
    runner = _load("book_sections")
    md = tmp_path / "section.md"
    md.write_text(SECTION)
    code = runner.section_code(md, "d2lkit.v1.torch", 2, "en")
    assert "from d2lkit.v1 import torch as d2l" in code
    assert "mxnet" not in code.replace("'mxnet', ", "") and "%" not in code
    assert "x = 1" in code and "y = 2" in code
    assert "num_epochs = min(10, 2)" in code


@pytest.mark.parametrize(
    ("first_line", "runs"),
    [
        ("%%tab pytorch", True),
        ("%%tab all", True),
        ("%%tab mxnet, pytorch, jax", True),
        ("#@tab pytorch, tensorflow", True),
        ("%%tab tensorflow, jax", False),
        ("print('untagged')", False),
    ],
)
def test_a_cell_runs_when_its_tab_names_pytorch_or_all(first_line: str, runs: bool):
    en = _load("book_sections_en")
    assert en.tab_is_pytorch(first_line + "\nx = 1\n") is runs


def test_training_is_capped_in_fit_and_prepare_data(monkeypatch: pytest.MonkeyPatch):
    runner, en = _load("book_sections"), _load("book_sections_en")
    lib = types.ModuleType("fake_v1_lib")

    class Trainer:
        def __init__(self, max_epochs: int) -> None:
            self.max_epochs = max_epochs

        def prepare_data(self, data: object) -> None:
            self.train_dataloader = TensorLoader(torch.arange(1000.0), batch_size=10)
            self.val_dataloader = TensorLoader(torch.arange(500.0), batch_size=10)

        def fit(self, model: object, data: object) -> None:
            self.prepare_data(data)
            self.epochs_run = self.max_epochs

    lib.Trainer = Trainer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_v1_lib", lib)
    prelude = runner.PRELUDE.format(
        max_epochs=2, max_batches=20, min_examples=200, lib="fake_v1_lib", extra=en.EXTRA
    )
    namespace: dict[str, object] = {}
    threads = torch.get_num_threads()
    try:
        exec(compile(prelude, "prelude", "exec"), namespace)
    finally:
        torch.set_num_threads(threads)
    trainer = lib.Trainer(max_epochs=10)  # type: ignore[attr-defined]
    trainer.fit(None, None)
    assert trainer.epochs_run == 2
    assert trainer.num_train_batches == len(trainer.train_dataloader) == 20
    assert trainer.num_val_batches == 20 and sum(1 for _ in trainer.val_dataloader) == 20
    tab = namespace["tab"]
    assert tab.selected("mxnet", "pytorch") and not tab.selected("jax")  # type: ignore[attr-defined]
