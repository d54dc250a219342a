"""'Did you mean …?': the known name closest to a misspelt one, for error messages."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The name of ``known`` most like ``name`` (difflib's ratio of at least 0.6), or None."""
    import difflib  # only once a workflow has an error: 1 ms that every load paid before

    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None
