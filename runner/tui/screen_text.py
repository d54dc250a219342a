"""Step output made safe for the screen: SGR colours kept, every other control shown escaped.

A step's bytes must not steer the dashboard's terminal: OSC (titles, clipboard), cursor
moves, clear-screen, 8-bit C1 controls and bare carriage returns become visible text such
as ``\\x1b]52;…``, while ``ESC [ … m`` colour sequences are rendered as colours.
"""

from __future__ import annotations

import re

from rich.text import Text

_SGR_OR_CONTROL = re.compile(r"(\x1b\[[0-9;:]*m)|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _keep_or_escape(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    return f"\\x{ord(match.group()):02x}"


def terminal_safe(line: str) -> Text:
    """``line`` as rich text: its SGR colours applied, other controls escaped visibly."""
    line = line.replace("\t", "    ") if "\t" in line else line
    if not _SGR_OR_CONTROL.search(line):
        return Text(line)
    return Text.from_ansi(_SGR_OR_CONTROL.sub(_keep_or_escape, line), end="")
