"""Secret redaction on every log line.

What gets masked follows GitHub's runner (``SecretMasker`` with the value encoders its
``HostContext`` registers), so a log that is clean on GitHub is clean here:

- the value itself, the value without surrounding whitespace (GitHub trims secrets),
  and for a value spanning lines, each of its lines without surrounding whitespace (step
  output arrives line by line, so only the lines can match);
- the value as it appears inside a JSON string (both with non-ASCII kept, as the
  runner's Newtonsoft escaping does, and ``\\uXXXX``-escaped, as Python's ``json`` does);
- percent-encoded as a URI component (``Uri.EscapeDataString``: RFC 3986 unreserved
  characters kept);
- XML-escaped (``&amp; &lt; &gt; &quot; &apos;``);
- quoted for an expression string literal (``'`` doubled);
- base64 of its UTF-8 bytes, also with the first one and two bytes dropped, because
  base64 of ``user:secret`` aligns the secret's bytes differently;
- without its surrounding double quotes, when longer than 8 characters and quoted.

Occurrences may overlap or touch; like GitHub, every run of masked characters becomes a
single ``***``. Empty and whitespace-only values are ignored (a mask of nothing, or of
spaces, would wreck every line).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
"""What every run of secret characters is replaced with."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})


def variants(value: str) -> set[str]:
    """Every form of ``value`` that is masked on its own line (not splitting lines)."""
    found = {
        value,
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(value)[1:-1],
        quote(value, safe=""),
        value.translate(_XML_ESCAPES),
        value.replace("'", "''"),
    }
    raw = value.encode("utf-8")
    for shift in (0, 1, 2):
        found.add(base64.b64encode(raw[shift:] if len(raw) > shift else raw).decode("ascii"))
    if len(value) > 8 and value.startswith('"') and value.endswith('"'):
        found.add(value[1:-1])
    found.discard("")
    return found


class Masker:
    """The secrets of one run, and the redaction of text that may contain them.

    Cheap when there is nothing to do: with no secrets, ``mask`` returns its argument
    itself; with secrets, one compiled pattern (rebuilt lazily after ``add``) rejects
    clean text before any replacement work starts.
    """

    __slots__ = ("_needles", "_longest_first", "_pattern", "_line_needles")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._needles: set[str] = set()
        self._longest_first: tuple[str, ...] = ()
        self._line_needles: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    @property
    def values(self) -> frozenset[str]:
        """Every string that is masked: the values, their lines and their encodings."""
        return frozenset(self._needles)

    def __bool__(self) -> bool:
        return bool(self._needles)

    def add(self, value: str) -> None:
        """Mask ``value`` (and its lines and encodings) from now on."""
        if not value or value.isspace():
            return
        forms = {value, value.strip()}
        if "\n" in value or "\r" in value:
            forms.update(line.strip() for line in _LINE_BREAK.split(value))
        forms.discard("")
        fresh = set().union(*map(variants, forms))
        fresh -= self._needles
        if fresh:
            self._needles |= fresh
            self._longest_first = ()
            self._pattern = None

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced by ``***`` (``text`` itself when clean).

        For many lines at once, ``mask_lines`` is several times faster.
        """
        if not self._needles:
            return text
        if self._pattern is None:
            self._prepare()
        assert self._pattern is not None
        if self._pattern.search(text) is None:
            return text
        return _redact(text, self._longest_first)

    def mask_lines(self, lines: list[str]) -> list[str]:
        """``lines`` with every secret masked; the list itself when nothing changed.

        A batch is searched as one string, which is several times faster than line by
        line: secrets containing a line break cannot occur inside one line, so they are
        left out, and no other secret can span two lines.
        """
        if not self._needles or not lines:
            return lines
        if self._pattern is None:
            self._prepare()
        joined = "\n".join(lines)
        if joined.count("\n") != len(lines) - 1:
            # Some "line" holds a line break itself: joining would blur the boundaries.
            masked = [self.mask(line) for line in lines]
            return lines if all(a is b for a, b in zip(masked, lines)) else masked
        present = tuple(needle for needle in self._line_needles if needle in joined)
        if not present:
            return lines
        return _redact(joined, present).split("\n")

    def _prepare(self) -> None:
        self._longest_first = tuple(sorted(self._needles, key=lambda s: (-len(s), s)))
        self._line_needles = tuple(s for s in self._longest_first if "\n" not in s)
        self._pattern = re.compile("|".join(map(re.escape, self._longest_first)))


def _redact(text: str, needles: tuple[str, ...]) -> str:
    """Replace every run of characters covered by an occurrence of a needle with ``***``."""
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            # Step by one, not by the length: occurrences may overlap ("aa" in "aaa").
            start = text.find(needle, start + 1)
    if not spans:
        return text
    spans.sort()
    pieces: list[str] = []
    kept_from = 0
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start <= run_end:
            run_end = max(run_end, end)
            continue
        pieces += (text[kept_from:run_start], MASK)
        kept_from, run_start, run_end = run_end, start, end
    pieces += (text[kept_from:run_start], MASK, text[run_end:])
    return "".join(pieces)
