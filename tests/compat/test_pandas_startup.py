"""``python -m d2lkit.compat.pandas_startup on|off|status``: the opt-in's switch."""

from __future__ import annotations

import sysconfig

from d2lkit.compat import pandas_book
from d2lkit.compat.pandas_startup import main


def test_on_status_off_write_report_and_remove_the_pth_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sysconfig, "get_paths", lambda *a, **k: {"purelib": str(tmp_path)})
    pth = tmp_path / pandas_book.STARTUP_FILE
    assert main(["status"]) == 0 and capsys.readouterr().out.startswith("off: no ")
    assert main(["on"]) == 0
    assert pth.read_text() == pandas_book.STARTUP_LINE + "\n"
    assert str(pth) in capsys.readouterr().out
    assert main(["status"]) == 0 and capsys.readouterr().out == f"on: {pth}\n"
    assert main(["off"]) == 0 and not pth.exists()
    assert capsys.readouterr().out == f"off: removed {pth}\n"
    assert main(["off"]) == 0 and capsys.readouterr().out == f"off: there was no {pth}\n"


def test_anything_else_prints_the_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert main(["enable"]) == 2
    assert "on|off|status" in capsys.readouterr().err


def test_an_unwritable_site_packages_is_one_line_and_exit_1(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(sysconfig, "get_paths", lambda *a, **k: {"purelib": str(blocker / "x")})
    assert main(["on"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "Traceback" not in err
