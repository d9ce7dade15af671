"""Texts and predictions, one line each: long texts shortened, verdicts coloured."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_rgba

from d2lkit.viz.text_predictions import shorten, show_text_predictions


def test_shorten_keeps_short_texts_and_cuts_long_ones_with_an_ellipsis():
    assert shorten("short", 10) == "short"
    assert shorten("a" * 20, 10) == "a" * 9 + "…" and len(shorten("a" * 20, 10)) == 10


def test_each_row_shows_its_text_and_a_prediction_coloured_by_its_verdict():
    rows = [("this movie is so great", "positive"), ("x" * 100, "negative"), ("meh", "positive")]
    fig = show_text_predictions(rows, [None, True, False], title="sentiments", width=30)
    texts = fig.axes[0].texts
    assert [t.get_text() for t in texts[::2]] == ["this movie is so great", "x" * 29 + "…", "meh"]
    colors = [t.get_color() for t in texts[1::2]]
    assert [to_rgba(c) for c in colors] == [to_rgba(c) for c in ("black", "tab:green", "tab:red")]


def test_verdicts_must_match_the_rows():
    with pytest.raises(ValueError, match="2 rows but 1 verdicts"):
        show_text_predictions([("a", "b"), ("c", "d")], [True])
