"""Step output made safe for a terminal: SGR colours kept, every other control shown escaped.

A step's bytes must not steer the user's terminal, in ``baton run``'s live output or in
the dashboard: OSC (titles, OSC 52 clipboard), cursor moves, clear-screen, bare ESC, 8-bit
C1 controls (such as U+009B, a one-character CSI) and carriage returns become visible text
such as ``\\x1b]52;…``, while ``ESC [ … m`` colour sequences stay. Tab and newline stay as
they are (the callers split lines and lay tabs out). Both the CLI's printer and the TUI's
log view use :func:`escape_controls`, so the two show the same text.
"""

from __future__ import annotations

import re

SGR = re.compile(r"\x1b\[[0-9;:]*m")
"""A Select Graphic Rendition (colour) sequence, the only kind a step may send."""

RESET = "\x1b[0m"

_SGR_OR_CONTROL = re.compile(r"(\x1b\[[0-9;:]*m)|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _keep_or_escape(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    return f"\\x{ord(match.group()):02x}"


def escape_controls(line: str) -> str:
    """``line`` with its SGR sequences kept and every other control character escaped."""
    if not _SGR_OR_CONTROL.search(line):
        return line
    return _SGR_OR_CONTROL.sub(_keep_or_escape, line)



def shown(text: str) -> str:
    """``text`` from a step or a workflow, ready to print among baton's own output.

    Controls are escaped (:func:`escape_controls`), and a line that set colours ends
    with a reset, so that nothing a step prints colours (or hides) what baton prints next.
    """
    text = escape_controls(text)
    return text + RESET if "\x1b" in text else text


def cut_to_width(text: str, columns: int) -> list[str]:
    """``text`` (already :func:`shown`) in pieces that each fit ``columns`` cells.

    A line longer than the terminal wraps, and what a step prints after the wrap would
    start a row of its own, where it could pass for one of baton's lines; printed in
    pieces, each behind its gutter, it never does. Widths are over-estimated where
    that is cheaper (every non-ASCII character two cells, a tab eight, SGR none), so a
    piece may be shorter than the row, never longer.
    """
    if 2 * len(text) <= columns or columns < 1:
        return [text]
    if text.isascii() and "\x1b" not in text and "\t" not in text:
        return [text[i : i + columns] for i in range(0, len(text), columns)]
    pieces: list[str] = []
    start = used = 0
    index = 0
    while index < len(text):
        sgr = SGR.match(text, index) if text[index] == "\x1b" else None
        if sgr:
            index = sgr.end()
            continue
        cells = _cells(text[index])
        if used + cells > columns:
            pieces.append(text[start:index])
            start, used = index, 0
        used += cells
        index += 1
    pieces.append(text[start:])
    return [piece + RESET if "\x1b" in piece and not piece.endswith(RESET) else piece for piece in pieces]


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes at most (SGR none, as :func:`cut_to_width` counts)."""
    plain = SGR.sub("", text)
    return len(plain) if plain.isascii() and "\t" not in plain else sum(map(_cells, plain))


def _cells(char: str) -> int:
    return 1 if " " <= char <= "~" else 8 if char == "\t" else 2
