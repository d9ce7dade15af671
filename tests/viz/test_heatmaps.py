"""Attention heatmaps: a grid per (row, column), one colour bar, saved as PNG."""

from __future__ import annotations

import pytest
import torch

from d2lkit.viz import save_figure, show_heatmaps


def test_a_grid_of_heatmaps_has_one_axes_per_matrix_and_a_colour_bar(tmp_path):
    weights = torch.softmax(torch.randn(2, 4, 3, 5), dim=-1)  # (layers, heads, queries, keys)
    fig = show_heatmaps(weights, titles=[f"Head {i}" for i in range(1, 5)])
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 8 and len(fig.axes) == 9  # eight maps and the colour bar
    assert [ax.get_title() for ax in images[:4]] == ["Head 1", "Head 2", "Head 3", "Head 4"]
    path = save_figure(fig, tmp_path / "sub" / "attention.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_single_matrix_is_one_heatmap():
    fig = show_heatmaps([[0.2, 0.8], [0.5, 0.5]], xlabel="Keys", ylabel="Queries")
    (ax,) = [ax for ax in fig.axes if ax.images]
    assert ax.get_xlabel() == "Keys" and ax.get_ylabel() == "Queries"


def test_wrong_shapes_and_titles_are_errors():
    with pytest.raises(ValueError, match="2-D to 4-D"):
        show_heatmaps(torch.ones(3))
    with pytest.raises(ValueError, match="titles"):
        show_heatmaps(torch.ones(1, 2, 3, 3), titles=["only one"])
