"""pandas_book: the book's ragged DataFrame (d2l-en 11.7) is padded without a warning."""

from __future__ import annotations

import warnings

import pandas as pd

from d2lkit.compat import pandas_book


def _has_filter() -> bool:
    return any(pandas_book._is_ragged_rows_filter(f) for f in warnings.filters)


def test_rows_of_different_lengths_are_padded_quietly_only_while_enabled():
    pandas_book.enable()  # the compat fixture enabled it already; enabling twice is harmless
    with warnings.catch_warnings(record=True) as caught:
        frame = pd.DataFrame([[1.0, 2.0], [3.0]])
    assert frame.shape == (2, 2) and pd.isna(frame.iloc[1, 1])
    assert not [w for w in caught if "mismatched lengths" in str(w.message)]
    pandas_book.disable()
    try:
        assert not _has_filter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pd.DataFrame([[1.0, 2.0], [3.0]])
        assert [w for w in caught if "mismatched lengths" in str(w.message)]  # pandas 3 warns
    finally:
        pandas_book.enable()
    assert _has_filter()
