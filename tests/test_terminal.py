"""runner/terminal.py: what of a step's text may reach a terminal (pure)."""

from __future__ import annotations

import pytest

from runner.terminal import RESET, cells, cut_to_width, escape_controls, shown


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain text", "plain text"),
    ("\x1b[1;31mred\x1b[0m", "\x1b[1;31mred\x1b[0m"),
    ("\x1b[38:2::1:2:3mtrue colour", "\x1b[38:2::1:2:3mtrue colour"),
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
    ("\x1b]52;c;cHduZWQ=\x1b\\", "\\x1b]52;c;cHduZWQ=\\x1b\\"),
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
    ("\x1b[5A up", "\\x1b[5A up"),
    ("visible\roverwritten", "visible\\x0doverwritten"),
    ("bare \x1b escape", "bare \\x1b escape"),
    ("c1 \x9b2J", "c1 \\x9b2J"),
    ("bell\x07 backspace\x08 del\x7f", "bell\\x07 backspace\\x08 del\\x7f"),
    ("tab\tstays", "tab\tstays"),
])
def test_only_sgr_passes(raw: str, expected: str) -> None:
    assert escape_controls(raw) == expected


def test_a_line_that_set_colours_ends_with_a_reset() -> None:
    assert shown("\x1b[8mhidden") == "\x1b[8mhidden" + RESET
    assert shown("no colour") == "no colour"


@pytest.mark.parametrize(("text", "columns"), [
    ("a" * 250, 100),
    ("\x1b[31m" + "é" * 120, 50),
    ("x\ty" * 40, 30),
    ("✓" * 10 + "b" * 300, 64),
])
def test_pieces_fit_the_terminal_and_keep_the_text(text: str, columns: int) -> None:
    pieces = cut_to_width(text, columns)
    assert len(pieces) > 1 and all(cells(piece) <= columns for piece in pieces)
    assert "".join(pieces).replace(RESET, "") == text.replace(RESET, "")
