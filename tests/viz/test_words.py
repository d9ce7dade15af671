"""Nearest words and analogies drawn as one figure: a bar chart per query, a text panel."""

from __future__ import annotations

from d2lkit.viz import save_figure
from d2lkit.viz.words import show_nearest_words

PNG = b"\x89PNG\r\n\x1a\n"


def test_each_query_gets_its_neighbours_as_bars_nearest_on_top(tmp_path):
    similar = {"chip": [("intel", 0.73), ("motorola", 0.67)], "bank": [("loan", 0.5)]}
    fig = show_nearest_words(similar, {"man : woman :: son :": "daughter"}, title="vectors")
    chip, bank, text = fig.axes
    labels = [t.get_text() for t in chip.get_yticklabels()]
    assert labels == ["motorola", "intel"]  # barh draws bottom-up: the nearest ends on top
    assert [round(p.get_width(), 2) for p in chip.patches] == [0.67, 0.73]
    assert "nearest to 'bank'" in bank.get_title()
    assert "man : woman :: son : daughter" in text.texts[0].get_text()
    assert save_figure(fig, tmp_path / "w.png").read_bytes().startswith(PNG)


def test_nothing_to_show_still_makes_a_figure_that_says_so():
    fig = show_nearest_words({})
    assert "no query word" in fig.axes[0].texts[0].get_text()
