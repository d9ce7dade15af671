"""Trace plots return figures (no pyplot state) and save as PNGs."""

from __future__ import annotations

import math

from d2lkit.viz import save_figure, show_lines, show_trace, show_trace_2d

PNG = b"\x89PNG\r\n\x1a\n"


def test_show_trace_draws_the_curve_and_the_iterates(tmp_path):
    results = [10.0 * 0.6**i for i in range(11)]
    fig = show_trace(results, lambda x: x**2, title="gd")
    ax = fig.axes[0]
    curve, path = ax.lines
    assert list(path.get_xdata()) == results
    assert min(curve.get_xdata()) <= -10 and max(curve.get_xdata()) > 9.98
    path_png = save_figure(fig, tmp_path / "trace.png")
    assert path_png.read_bytes().startswith(PNG)


def test_show_trace_2d_draws_contours_and_the_path_and_widens_to_fit_it(tmp_path):
    results = [(-5.0, -2.0), (-4.0, -1.2), (3.0, 2.5)]  # leaves the book's window
    fig = show_trace_2d(lambda a, b: a**2 + 2 * b**2, results)
    ax = fig.axes[0]
    (path,) = ax.lines
    assert list(path.get_xdata()) == [-5.0, -4.0, 3.0]
    left, right = ax.get_xlim()
    assert left <= -5.5 and right >= 3.0
    assert ax.collections  # the contour lines
    assert save_figure(fig, tmp_path / "t2d.png").read_bytes().startswith(PNG)


def test_show_lines_draws_one_line_per_series():
    fig = show_lines([0, 1, 2], {"lr": [0.3, 0.2, 0.1], "x": [1, math.e, 3]}, xlabel="epoch")
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_legend() is not None
