"""The book's pyplot helpers: ``plot``, image grids, heatmaps, 2-D optimisation traces.

These draw with pyplot, on the current axes or on new subplots, because the
book's cells keep drawing on them afterwards (``d2l.plt.xlabel`` ...). In a
notebook the inline backend shows them when the cell ends; in a script with
a window they wait for ``plt.show()``; headless, each call also writes the
figure as a PNG (see :mod:`d2lkit.viz.display`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from d2lkit.viz.animator import FMTS, set_axes
from d2lkit.viz.display import FigureSink, set_image_format

__all__ = [
    "annotate",
    "plot",
    "set_figsize",
    "show_heatmaps",
    "show_images",
    "show_list_len_pair_hist",
    "show_trace_2d",
    "use_svg_display",
]


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _shown(fig: Any, name: str) -> None:
    """Headless runs: write the figure to ``d2l-plots/<name>[-N].png``; otherwise nothing to do."""
    sink = FigureSink(name)
    if sink.mode == "file":
        sink.save(fig)


def _to_numpy(x: Any) -> Any:
    detach = getattr(x, "detach", None)
    return detach().cpu().numpy() if detach is not None else x


def use_svg_display() -> None:
    """Notebook figures as SVG (sharper); no effect outside a notebook."""
    set_image_format("svg")
    try:
        from matplotlib_inline import backend_inline
    except ImportError:
        return
    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """The size of pyplot's next figures, in inches."""
    use_svg_display()
    _pyplot().rcParams["figure.figsize"] = figsize


def _one_axis(X: Any) -> bool:
    return (hasattr(X, "ndim") and X.ndim == 1) or (
        isinstance(X, list) and not hasattr(X[0], "__len__")
    )


def plot(
    X: Any,
    Y: Any = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: Sequence[str] | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    xscale: str = "linear",
    yscale: str = "linear",
    fmts: Sequence[str] = FMTS,
    figsize: tuple[float, float] = (3.5, 2.5),
    axes: Any = None,
) -> None:
    """Draw one or several series (X alone: values against their index) on ``axes``.

    ``X``/``Y`` may be a 1-D array or list, or a list of them; a single ``X``
    is reused for every ``Y``. Tensors are detached.
    """
    set_figsize(figsize)
    axes = axes if axes is not None else _pyplot().gca()
    if _one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts, strict=False):
        if len(x):
            axes.plot(_to_numpy(x), _to_numpy(y), fmt)
        else:
            axes.plot(_to_numpy(y), fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, list(legend or []))
    _shown(axes.figure, "plot")


def show_images(
    imgs: Any, num_rows: int, num_cols: int, titles: Sequence[str] | None = None, scale: float = 1.5
) -> Any:
    """A grid of images (tensors or PIL images) without ticks; returns the flat axes array."""
    plt = _pyplot()
    figsize = (num_cols * scale, num_rows * scale)
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs, strict=False)):
        ax.imshow(_to_numpy(img))
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    _shown(fig, "images")
    return axes


def show_heatmaps(
    matrices: Any,
    xlabel: str,
    ylabel: str,
    titles: Sequence[str] | None = None,
    figsize: tuple[float, float] = (2.5, 2.5),
    cmap: str = "Reds",
) -> None:
    """Heatmaps of a 4-D ``(rows, cols, queries, keys)`` array, one shared colour bar."""
    use_svg_display()
    plt = _pyplot()
    num_rows, num_cols = matrices.shape[0], matrices.shape[1]
    fig, axes = plt.subplots(
        num_rows, num_cols, figsize=figsize, sharex=True, sharey=True, squeeze=False
    )
    pcm = None
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices, strict=False)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices, strict=False)):
            pcm = ax.imshow(_to_numpy(matrix), cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(pcm, ax=axes, shrink=0.6)
    _shown(fig, "heatmaps")


def annotate(text: str, xy: tuple[float, float], xytext: tuple[float, float]) -> None:
    """An arrow from ``xytext`` to ``xy`` on the current axes, labelled ``text``."""
    _pyplot().gca().annotate(text, xy=xy, xytext=xytext, arrowprops={"arrowstyle": "->"})


def show_trace_2d(f: Callable[[Any, Any], Any], results: Sequence[tuple[float, float]]) -> None:
    """The path of a 2-D optimiser over the contours of ``f`` on [-5.5, 1] x [-3, 1]."""
    import torch

    set_figsize()
    plt = _pyplot()
    plt.plot(*zip(*[(float(a), float(b)) for a, b in results], strict=False), "-o", color="#ff7f0e")
    x1, x2 = torch.meshgrid(
        torch.arange(-5.5, 1.0, 0.1), torch.arange(-3.0, 1.0, 0.1), indexing="ij"
    )
    plt.contour(x1.numpy(), x2.numpy(), _to_numpy(f(x1, x2)), colors="#1f77b4")
    plt.xlabel("x1")
    plt.ylabel("x2")
    _shown(plt.gcf(), "trace_2d")


def show_list_len_pair_hist(
    legend: Sequence[str], xlabel: str, ylabel: str, xlist: Sequence[Any], ylist: Sequence[Any]
) -> None:
    """Side-by-side histograms of the lengths of two lists of sequences."""
    set_figsize()
    plt = _pyplot()
    _, _, patches = plt.hist([[len(s) for s in xlist], [len(s) for s in ylist]])
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    for patch in patches[1].patches:
        patch.set_hatch("/")
    plt.legend(legend)
    _shown(plt.gcf(), "len_pair_hist")
