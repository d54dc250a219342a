"""GitHub's filter patterns for branches, tags and paths, compiled to matchers.

The rules are those of GitHub's "Filter pattern cheat sheet":

- ``*`` matches zero or more characters except ``/``;
- ``**`` matches zero or more of any character; written as a whole path segment
  (``**/`` at the start or after a ``/``) it also matches zero directories, so
  ``**/README.md`` matches ``README.md`` and ``docs/**/*.md`` matches ``docs/a.md``;
- ``?`` makes the preceding character optional, ``+`` repeats it one or more times
  (a "character" is a literal, an escaped character or a ``[...]`` class);
- ``[...]`` matches one listed character or one from a range (``a-z``, ``A-Z``, ``0-9``);
- ``!`` as the first character negates the pattern (meaningful in lists only);
- ``\\`` makes the next character literal.

A pattern matches only the whole string. Every other character is literal.

Matching runs a lazily built DFA (states are sets of automaton positions, cached
per pattern), so it takes time linear in the text whatever the pattern: a branch
name or path pushed by anyone cannot make the watcher backtrack for minutes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from runner.errors import BatonError

__all__ = ["Glob", "GlobError", "compile_glob"]


class GlobError(BatonError):
    """A filter pattern is malformed; ``offset`` points at the fault."""

    def __init__(self, message: str, offset: int, *, pattern: str | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        """The 0-based character offset of the fault inside the pattern."""
        self.pattern = pattern
        """The whole pattern, when known."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Glob:
    """One compiled filter pattern."""

    pattern: str
    """The pattern as written, including a leading ``!``."""
    is_negated: bool
    """Whether the pattern starts with ``!`` (it then excludes what it matches)."""
    automaton: _Automaton = field(repr=False, compare=False)
    """The matcher for the pattern's body (after any ``!``)."""

    def matches(self, text: str) -> bool:
        """Whether ``text`` matches the pattern (ignoring negation, which lists apply)."""
        return self.automaton.matches(text)


@functools.lru_cache(maxsize=2048)
def compile_glob(pattern: str) -> Glob:
    """Compile one filter pattern; raise `GlobError` when it is malformed."""
    if not pattern:
        raise GlobError("the pattern is empty", 0, pattern=pattern)
    is_negated = pattern.startswith("!")
    if is_negated and len(pattern) == 1:
        raise GlobError("'!' must be followed by a pattern", 0, pattern=pattern)
    parts = _Parser(pattern, 1 if is_negated else 0).parse()
    return Glob(pattern=pattern, is_negated=is_negated, automaton=_Automaton(parts))


Predicate = Callable[[str], bool]

# How often a part repeats: once, "?" (optional), "+" (one or more), "*" (any
# number), or DIRS for a whole `**/` segment (nothing, or anything ending in "/").
_DIRS = "dirs"

# A quantifier applied to an already quantified character combines with it:
# optional of optional stays optional, repeated of repeated stays repeated, and
# any mix of the two is "zero or more".
_COMBINED = {("", "?"): "?", ("", "+"): "+", ("?", "?"): "?", ("+", "+"): "+"}

_RANGE_GROUPS = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")


def _any(char: str) -> bool:
    return True


def _not_slash(char: str) -> bool:
    return char != "/"


@dataclass(frozen=True, slots=True)
class _Part:
    """One element of a pattern: a character test and how often it repeats."""

    accepts: Predicate
    repeat: str
    is_wildcard: bool = False
    """Wildcards already match any count, so a ``?`` or ``+`` after one changes nothing."""


class _Parser:
    """Splits a pattern's body (from ``start`` on) into parts."""

    def __init__(self, pattern: str, start: int) -> None:
        self.pattern = pattern
        self.start = start
        self.pos = start
        self.parts: list[_Part] = []

    def fail(self, message: str, offset: int) -> GlobError:
        return GlobError(message, offset, pattern=self.pattern)

    def parse(self) -> list[_Part]:
        text = self.pattern
        while self.pos < len(text):
            char = text[self.pos]
            if char == "*":
                self.star()
            elif char in "?+":
                self.quantifier(char)
            elif char == "[":
                self.parts.append(_Part(self.char_class(), ""))
            else:
                self.parts.append(_Part(self.escaped_char().__eq__, ""))
        return self.parts

    def star(self) -> None:
        text, begin = self.pattern, self.pos
        while self.pos < len(text) and text[self.pos] == "*":
            self.pos += 1
        if self.pos - begin == 1:
            self.parts.append(_Part(_not_slash, "*", is_wildcard=True))
        elif (begin == self.start or text[begin - 1] == "/") and text.startswith("/", self.pos):
            self.pos += 1  # `**/` as a whole segment: any number of directories, even none
            self.parts.append(_Part(_any, _DIRS, is_wildcard=True))
        else:
            self.parts.append(_Part(_any, "*", is_wildcard=True))

    def quantifier(self, char: str) -> None:
        if not self.parts:
            raise self.fail(f"'{char}' has nothing before it to repeat", self.pos)
        last = self.parts[-1]
        if not last.is_wildcard:
            self.parts[-1] = _Part(last.accepts, _COMBINED.get((last.repeat, char), "*"))
        self.pos += 1

    def char_class(self) -> Predicate:
        text, open_at = self.pattern, self.pos
        self.pos += 1
        singles: set[str] = set()
        ranges: list[tuple[str, str]] = []
        while not text.startswith("]", self.pos):
            if self.pos >= len(text):
                raise self.fail("'[' is never closed by ']'", open_at)
            member_at = self.pos
            first = self.escaped_char()
            if text.startswith("-", self.pos) and self.pos + 1 < len(text) and text[self.pos + 1] != "]":
                self.pos += 1
                last = self.escaped_char()
                if not any(first in group and last in group and group.index(first) <= group.index(last) for group in _RANGE_GROUPS):
                    raise self.fail(f"'{first}-{last}' is not a range within a-z, A-Z or 0-9", member_at)
                ranges.append((first, last))
            else:
                singles.add(first)
        if not singles and not ranges:
            raise self.fail("'[]' lists no characters", open_at)
        self.pos += 1
        members, bounds = frozenset(singles), tuple(ranges)
        return lambda char: char in members or any(low <= char <= high for low, high in bounds)

    def escaped_char(self) -> str:
        """The next character taken literally, honouring a ``\\`` escape."""
        text = self.pattern
        if text[self.pos] == "\\":
            if self.pos + 1 >= len(text):
                raise self.fail("'\\' at the end of the pattern escapes nothing", self.pos)
            self.pos += 1
        self.pos += 1
        return text[self.pos - 1]


# Bounds on the DFA cached per pattern; past them, matching walks the automaton
# without caching (still linear in the text, only slower).
_MAX_TRANSITIONS = 4096
_MAX_STATES = 512


class _Automaton:
    """A nondeterministic automaton over pattern parts, run as a lazily built DFA.

    Node ``i`` tests one character with ``tests[i]`` and moves to ``moves[i]``;
    ``skips[i]`` lists the nodes reachable without consuming. The last node accepts.
    """

    def __init__(self, parts: list[_Part]) -> None:
        self.tests: list[Predicate | None] = []
        self.moves: list[int] = []
        self.skips: list[tuple[int, ...]] = []
        for part in parts:
            self._add(part)
        self.accept = self._node(None, -1, ())
        self.states: dict[frozenset[int], int] = {}
        self.members: list[frozenset[int]] = []
        self.transitions: dict[tuple[int, str], int] = {}
        self.lock = threading.Lock()
        self.start_nodes = self._closure({0})
        self.start = self._state(self.start_nodes)

    def _node(self, test: Predicate | None, move: int, skips: tuple[int, ...]) -> int:
        self.tests.append(test)
        self.moves.append(move)
        self.skips.append(skips)
        return len(self.tests) - 1

    def _add(self, part: _Part) -> None:
        here = len(self.tests)
        if part.repeat == "":
            self._node(part.accepts, here + 1, ())
        elif part.repeat == "?":
            self._node(None, -1, (here + 1, here + 2))
            self._node(part.accepts, here + 2, ())
        elif part.repeat == "+":
            self._node(part.accepts, here + 1, ())
            self._node(None, -1, (here, here + 2))
        elif part.repeat == "*":
            self._node(None, -1, (here + 1, here + 2))
            self._node(part.accepts, here, ())
        else:  # _DIRS: skip the segment, or any characters then "/"
            self._node(None, -1, (here + 1, here + 4))
            self._node(None, -1, (here + 2, here + 3))
            self._node(part.accepts, here + 1, ())
            self._node("/".__eq__, here + 4, ())

    def _closure(self, nodes: set[int]) -> frozenset[int]:
        """The nodes reachable from ``nodes`` without consuming, keeping testing and accepting ones."""
        seen, todo = set(nodes), list(nodes)
        while todo:
            for target in self.skips[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return frozenset(node for node in seen if self.tests[node] is not None or node == self.accept)

    def _state(self, nodes: frozenset[int]) -> int:
        number = self.states.get(nodes)
        if number is None:
            number = self.states[nodes] = len(self.members)
            self.members.append(nodes)
        return number

    def _advance(self, nodes: frozenset[int], char: str) -> frozenset[int]:
        return self._closure({self.moves[node] for node in nodes if (test := self.tests[node]) is not None and test(char)})

    def matches(self, text: str) -> bool:
        """Whether the whole of ``text`` is accepted."""
        if len(self.members) > _MAX_STATES:
            return self._walk(text)
        state, transitions = self.start, self.transitions
        for char in text:
            following = transitions.get((state, char))
            if following is None:
                with self.lock:
                    following = self._state(self._advance(self.members[state], char))
                    if len(transitions) < _MAX_TRANSITIONS:
                        transitions[(state, char)] = following
            if not self.members[following]:
                return False
            state = following
        return self.accept in self.members[state]

    def _walk(self, text: str) -> bool:
        """`matches` without the DFA cache, for patterns whose cache is full."""
        nodes = self.start_nodes
        for char in text:
            nodes = self._advance(nodes, char)
            if not nodes:
                return False
        return self.accept in nodes
