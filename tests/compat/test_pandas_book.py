"""When the book's pandas cells run on pandas 2/3, and the opt-in for sections without d2l.

The pandas section (2.2) imports pandas and never the book's library: as
written it fails on pandas >= 2 unless the learner opted in. Each case runs
in a fresh interpreter, as a learner's kernel would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import d2lkit
from d2lkit.compat import pandas_book

SRC = Path(d2lkit.__file__).resolve().parents[1]
PANDAS_2 = int(pd.__version__.split(".")[0]) >= 2

# Cells in the manner of 2.2 (our own data): a numeric column with a gap and a text
# column; the gap is filled with the numeric column's mean, (3 + 5) / 2 = 4.
CELLS = """\
import io
import sys
import pandas as pd
frame = pd.read_csv(io.StringIO("rooms,lane,price\\nNA,Gravel,10\\n3,NA,20\\n5,NA,30\\n"))
features = frame.iloc[:, 0:2]
features = features.fillna(features.mean())
print(features["rooms"].tolist(), frame.dtypes["lane"])
print("torch imported" if "torch" in sys.modules else "torch not imported")
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != pandas_book.ENV_BOOK_PANDAS}
    environ.update(PYTHONPATH=str(SRC), **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )


def test_cells_that_never_import_the_library_fail_on_pandas_2_and_later():
    result = _run(CELLS)
    if PANDAS_2:
        assert result.returncode != 0 and "TypeError" in result.stderr
    else:  # pandas 1 skipped text columns itself
        assert result.returncode == 0, result.stderr


def test_the_books_import_line_first_makes_the_cells_run():
    result = _run("from d2lkit import torch as d2l\n" + CELLS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "[4.0, 3.0, 5.0] object"


def test_the_environment_opt_in_makes_cells_run_without_importing_the_library(tmp_path):
    path = pandas_book.install_startup(tmp_path)
    assert path == tmp_path / pandas_book.STARTUP_FILE
    # site.addsitedir is what Python does with site-packages at start-up: it runs the .pth line
    start = (
        f"import site, sys; site.addsitedir({str(tmp_path)!r})\n"
        "assert 'pandas' not in sys.modules, 'the opt-in imported pandas at start-up'\n"
    )
    result = _run(start + CELLS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[4.0, 3.0, 5.0] object", "torch not imported"]
    # D2LKIT_BOOK_PANDAS=0 still opts out
    off = _run(start + CELLS, **{pandas_book.ENV_BOOK_PANDAS: "0"})
    assert (off.returncode != 0) == PANDAS_2


def test_the_opt_in_line_is_silent_where_d2lkit_is_not_installed(tmp_path):
    pandas_book.install_startup(tmp_path)
    code = f"import site; site.addsitedir({str(tmp_path)!r}); print('started')"
    # -S: no site-packages, so no d2lkit (as after `pip uninstall d2lkit`, which leaves the .pth)
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "started\n"
    assert result.stderr == ""


def test_install_is_idempotent_and_remove_says_whether_there_was_a_file(tmp_path):
    first = pandas_book.install_startup(tmp_path)
    second = pandas_book.install_startup(tmp_path)
    assert first == second and first.read_text() == pandas_book.STARTUP_LINE + "\n"
    assert pandas_book.remove_startup(tmp_path) is True
    assert pandas_book.remove_startup(tmp_path) is False
    assert not any(tmp_path.iterdir())


def test_by_default_the_file_goes_to_this_environments_site_packages():
    import sysconfig

    expected = Path(sysconfig.get_paths()["purelib"]) / pandas_book.STARTUP_FILE
    assert pandas_book.startup_path() == expected


def test_enable_on_import_with_pandas_already_imported_enables_at_once():
    pandas_book.disable()
    assert not pandas_book.enabled()
    pandas_book.enable_on_import()
    assert pandas_book.enabled()
    frame = pd.DataFrame({"x": [1.0, None, 3.0], "t": ["a", "b", None]})
    assert frame.fillna(frame.mean())["x"].tolist() == [1.0, 2.0, 3.0]


def test_an_unwritable_site_folder_is_one_message_with_another_way(tmp_path):
    from d2lkit.write_errors import WriteError

    missing = tmp_path / "no" / "such"
    (tmp_path / "no").write_text("a file where a folder should be")
    with pytest.raises(WriteError) as caught:
        pandas_book.install_startup(missing)
    assert "from d2lkit import torch as d2l" in caught.value.fix


def _has_ragged_rows_filter() -> bool:
    return any(pandas_book._is_ragged_rows_filter(f) for f in warnings.filters)


def test_rows_of_different_lengths_are_padded_quietly_only_while_enabled():
    """The English edition's 11.7 builds a ragged DataFrame on purpose."""
    pandas_book.enable()  # the compat fixture enabled it already; enabling twice is harmless
    with warnings.catch_warnings(record=True) as caught:
        frame = pd.DataFrame([[1.0, 2.0], [3.0]])
    assert frame.shape == (2, 2) and pd.isna(frame.iloc[1, 1])
    assert not [w for w in caught if "mismatched lengths" in str(w.message)]
    pandas_book.disable()
    try:
        assert not _has_ragged_rows_filter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pd.DataFrame([[1.0, 2.0], [3.0]])
        assert [w for w in caught if "mismatched lengths" in str(w.message)]  # pandas 3 warns
    finally:
        pandas_book.enable()
    assert _has_ragged_rows_filter()
