"""The section runner's English-book parts (benchmarks/book_sections_en.py, --edition en)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

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


FAKE_V1_LIB = """\
import torch
from d2lkit.data.loaders import TensorLoader


class Trainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def prepare_data(self, data):
        self.train_dataloader = TensorLoader(torch.arange(1000.0), batch_size=10)
        self.val_dataloader = TensorLoader(torch.arange(500.0), batch_size=10)

    def fit(self, model, data):
        self.prepare_data(data)
        self.epochs_run = self.max_epochs
"""


def test_training_is_capped_in_fit_and_prepare_data_once_the_section_imports_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    runner, en = _load("book_sections"), _load("book_sections_en")
    (tmp_path / "fake_v1_lib.py").write_text(FAKE_V1_LIB)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fake_v1_lib", raising=False)
    prelude = runner.PRELUDE.format(
        max_epochs=2, max_batches=20, min_examples=200, lib="fake_v1_lib", extra=en.EXTRA,
        book_pandas="", prologue=en.PROLOGUE,
    )  # fmt: skip
    section = "import fake_v1_lib\ntrainer = fake_v1_lib.Trainer(max_epochs=10)\n"
    namespace: dict[str, object] = {}
    try:
        exec(compile(prelude + section, "section", "exec"), namespace)
    finally:
        sys.modules.pop("fake_v1_lib", None)
    trainer = namespace["trainer"]
    trainer.fit(None, None)  # type: ignore[attr-defined]
    assert trainer.epochs_run == 2  # type: ignore[attr-defined]
    assert trainer.num_train_batches == len(trainer.train_dataloader) == 20  # type: ignore[attr-defined]
    assert trainer.num_val_batches == 20 and sum(1 for _ in trainer.val_dataloader) == 20  # type: ignore[attr-defined]
    tab = namespace["tab"]
    assert tab.selected("mxnet", "pytorch") and not tab.selected("jax")  # type: ignore[attr-defined]
