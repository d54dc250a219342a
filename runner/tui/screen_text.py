"""Step output as rich text for the dashboard: colours applied, other controls escaped
(:mod:`runner.terminal` decides which is which, for the CLI's printer too)."""

from __future__ import annotations

from rich.text import Text

from runner.terminal import escape_controls


def terminal_safe(line: str) -> Text:
    """``line`` as rich text: its SGR colours applied, other controls escaped visibly."""
    line = escape_controls(line.replace("\t", "    ") if "\t" in line else line)
    if "\x1b" not in line:
        return Text(line)
    return Text.from_ansi(line, end="")
