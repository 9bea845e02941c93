"""Coding cookies, BOMs and line endings survive a rewrite byte for byte where nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import PLAIN, make_tree, snapshot

FILES = {
    "cookie_latin1.py": '# -*- coding: latin-1 -*-\ngreeting = "olé, ça va"\n'.encode("latin-1"),
    "cookie_cp1252.py": '# vim: set fileencoding=cp1252 :\nquote = "“smart”"\n'.encode("cp1252"),
    "bom.py": b"\xef\xbb\xbf" + 'name = "caf\u00e9"\n'.encode(),
    "crlf.py": PLAIN.replace("\n", "\r\n").encode(),
    "no_final_newline.py": b"x = 1",
    "form_feed.py": b"x = 1\n\x0c\ny = 2\n",
    "empty.py": b"",
}


@pytest.mark.parametrize("mode", [["-o", "out"], ["--in-place"], ["--check"], ["--diff"]])
def test_unchanged_files_round_trip_exactly(cli, tmp_path: Path, mode: list[str]) -> None:
    make_tree(tmp_path / "src", FILES)
    result = cli("rewrite", "src", *mode)
    assert result.code == 0, result.err
    assert result.out == ""
    assert snapshot(tmp_path / "src") == FILES
    if mode[0] == "-o":
        assert snapshot(tmp_path / "out") == FILES
