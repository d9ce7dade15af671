"""A 1.0 section in a notebook: ProgressBoard shows PNGs inline, updated in place, flushed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "from d2lkit.v1 import torch as d2l\nimport math\nimport torch",
    # 3.5 as the book writes it (linear regression, concise)
    "model = d2l.LinearRegression(lr=0.03)\n"
    "data = d2l.SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)\n"
    "trainer = d2l.Trainer(max_epochs=3)\n"
    "trainer.fit(model, data)\n"
    "print(len(model.board.data['train_loss']), len(model.board.data['val_loss']))",
    # 3.2's board drawn in a fast loop: redraws wait, the cell's end draws the last points
    "board = d2l.ProgressBoard('x')\n"
    "for i in range(100):\n"
    "    board.draw(i / 10, math.sin(i / 10), 'sin', every_n=2)\n"
    "    board.draw(i / 10, math.cos(i / 10), 'cos', every_n=10)\n"
    "print('deferred', board._pending)",
    "print('deferred', board._pending, len(board.data['sin']), len(board.data['cos']))",
]


@pytest.mark.slow
def test_a_section_draws_its_boards_inline_in_a_notebook(tmp_path: Path):
    import d2lkit

    src = str(Path(d2lkit.__file__).resolve().parents[1])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    env = {**os.environ, "PYTHONPATH": src, "D2LKIT_PLOTS": str(tmp_path / "plots")}
    env.pop("MPLBACKEND", None)  # the kernel chooses its own (inline) backend
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        client = nbclient.NotebookClient(
            nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    fit_cell, board_cell, after_cell = nb.cells[1], nb.cells[2], nb.cells[3]

    def images(cell):
        return [o for o in cell.outputs if "image/png" in o.get("data", {})]

    assert len(images(fit_cell)) == 1, fit_cell.outputs  # one display, updated in place
    assert any("6 3" in o.get("text", "") for o in fit_cell.outputs)  # 2 points/epoch, 1 val
    assert len(images(board_cell)) == 1, board_cell.outputs
    assert any("deferred True" in o.get("text", "") for o in board_cell.outputs)
    assert any("deferred False 50 10" in o.get("text", "") for o in after_cell.outputs)
    for cell in nb.cells:
        for out in cell.outputs:
            assert not out.get("data", {}).get("text/plain", "").startswith("<Figure")
            assert out.get("name") != "stderr", out  # no warnings
    assert not (tmp_path / "plots").exists()  # nothing written to files in a notebook
