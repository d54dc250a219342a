"""Terminal colours, used only when the stream is a terminal and NO_COLOR is unset."""

from __future__ import annotations

import os
from typing import TextIO

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}


class Style:
    """Wraps text in ANSI colours when ``stream`` shows them."""

    def __init__(self, stream: TextIO) -> None:
        self.is_enabled = stream.isatty() and "NO_COLOR" not in os.environ

    def __call__(self, text: str, *names: str) -> str:
        if not self.is_enabled or not names:
            return text
        codes = ";".join(_CODES[n] for n in names)
        return f"\x1b[{codes}m{text}\x1b[0m"
