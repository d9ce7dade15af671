"""Missing data through the book's functions: the fix names only arguments they accept."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

from d2lkit import d2lzh
from d2lkit import torch as d2l
from d2lkit.compat import datahub
from d2lkit.data.missing import DataSetUnavailable

# Each book function that reads a data set, called as a section calls it.
CALLS: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "d2l.load_data_fashion_mnist": (d2l.load_data_fashion_mnist, (256,)),
    "d2l.read_time_machine": (d2l.read_time_machine, ()),
    "d2l.load_corpus_time_machine": (d2l.load_corpus_time_machine, ()),
    "d2l.load_data_time_machine": (d2l.load_data_time_machine, (32, 35)),
    "d2l.SeqDataLoader": (d2l.SeqDataLoader, (32, 35, False, 10000)),
    "d2l.read_data_nmt": (d2l.read_data_nmt, ()),
    "d2l.load_data_nmt": (d2l.load_data_nmt, (64, 10)),
    "d2l.get_data_ch11": (d2l.get_data_ch11, (10, 1500)),
    "d2lzh.load_data_fashion_mnist": (d2lzh.load_data_fashion_mnist, (256,)),
    "d2l.download": (d2l.download, ("time_machine",)),
}


@pytest.fixture()
def no_data(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """An empty data directory, downloads off (as in every test), no verdict cache."""
    monkeypatch.setenv("D2LKIT_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("D2LKIT_OFFLINE", "1")
    return tmp_path / "empty"


def _accepted(fn: Callable[..., Any]) -> set[str]:
    target = fn.__init__ if inspect.isclass(fn) else fn
    return set(inspect.signature(target).parameters)


@pytest.mark.parametrize("name", list(CALLS))
def test_the_fix_names_only_arguments_the_function_accepts(no_data, name):
    fn, args = CALLS[name]
    with pytest.raises(DataSetUnavailable) as caught:
        fn(*args)
    fix = caught.value.fix
    assert str(no_data) in fix and "$D2LKIT_DATA" in fix
    named = set(re.findall(r"\b([a-z_]+)=", fix))
    assert named <= _accepted(fn), f"{name} suggests {named - _accepted(fn)}"
    assert "--data-dir" not in fix  # no command-line advice either


def test_the_facade_fashion_mnist_error_is_the_book_callers_and_no_traceback_chain(no_data):
    with pytest.raises(DataSetUnavailable) as caught:
        d2l.load_data_fashion_mnist(256)
    assert "downloads are off ($D2LKIT_OFFLINE=1)" in caught.value.message
    assert "root=" not in caught.value.fix and "download=True" not in caught.value.fix
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_download_with_downloads_off_does_not_try_the_network_again(no_data, monkeypatch):
    def no_fetch(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fetch called although downloads are off")

    monkeypatch.setattr(datahub, "fetch", no_fetch)
    with pytest.raises(DataSetUnavailable, match="downloads are off"):
        datahub.download("time_machine")
