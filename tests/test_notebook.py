"""A notebook run headless (nbclient, as CI and `jupyter nbconvert --execute` do).

Training in a notebook must leave pictures and readable text in the saved
outputs: the live curves and ``plot_history`` as PNG images, each epoch as a
line of text, and no red warning about missing widgets.
"""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

TRAIN = """\
import torch
from torch import nn
from d2lkit.data import TensorLoader
from d2lkit.train import CurvePlot, ProgressBar, Trainer

torch.manual_seed(0)
model = nn.Linear(3, 2)
trainer = Trainer(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                  device="cpu", callbacks=[ProgressBar(), CurvePlot()])
loader = TensorLoader(torch.randn(64, 3), torch.randint(0, 2, (64,)), batch_size=16)
history = trainer.fit(loader, {"test": loader}, epochs=2)
"""

PLOT = """\
from d2lkit.viz import plot_history
plot_history(history)
"""


def _outputs(cell):
    return [o for o in cell.outputs]


@pytest.mark.slow
def test_notebook_training_saves_curves_as_images_and_epoch_lines_as_text():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(TRAIN), nbformat.v4.new_code_cell(PLOT)]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    train, plot = nb.cells

    images = [o for o in train.outputs if "image/png" in o.get("data", {})]
    assert images, [o.get("data", {}).keys() for o in train.outputs]  # the live curves
    text = "".join(o.get("text", "") for o in train.outputs if o.output_type == "stream")
    assert "epoch 2/2: train loss" in text and "test acc" in text
    assert "0%" not in text
    stderr = [o for o in train.outputs if o.get("name") == "stderr"]
    assert not stderr, stderr  # no "TqdmWarning: IProgress not found"

    [result] = plot.outputs
    assert result.output_type == "execute_result"
    assert result.data["image/png"]  # not only "<Figure size 500x350 with 1 Axes>"
