"""In a notebook the book's plots show inline (no %matplotlib inline) and update in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "from d2lkit import torch as d2l\nimport torch",
    "animator = d2l.Animator(xlabel='epoch', xlim=[1, 3], legend=['loss'])\n"
    "for epoch in range(1, 4):\n    animator.add(epoch, [1.0 / epoch])\n"
    "print(animator.Y)",
    "x = d2l.arange(0, 3, 0.1)\nd2l.plot(x, [x, x**2], 'x', 'f(x)', legend=['x', 'x^2'])",
]


@pytest.mark.slow
def test_animator_and_plot_show_inline_in_a_notebook(tmp_path: Path):
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
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    animator_cell, plot_cell = nb.cells[1], nb.cells[2]
    images = [o for o in animator_cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, animator_cell.outputs  # one display, updated in place
    assert any("[[1.0, 0.5" in o.get("text", "") for o in animator_cell.outputs)
    plot_images = [
        o for o in plot_cell.outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))
    ]
    assert plot_images, plot_cell.outputs
    for cell in nb.cells:
        for out in cell.outputs:
            data = out.get("data", {})
            if data.get("text/plain", "").startswith("<Figure"):
                assert {"image/png", "image/svg+xml"} & set(data)  # never a bare <Figure ...>
    assert not (tmp_path / "plots").exists()  # nothing written to files in a notebook
