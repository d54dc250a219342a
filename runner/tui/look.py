"""How states look on the dashboard: one icon and one colour per word, durations, ages."""

from __future__ import annotations


from rich.text import Text

ICONS: dict[str, tuple[str, str]] = {
    "success": ("✓", "green"),
    "failure": ("✗", "red"),
    "cancelled": ("⊘", "yellow"),
    "skipped": ("–", "bright_black"),
    "interrupted": ("!", "magenta"),
    "running": ("●", "cyan"),
    "queued": ("○", "bright_black"),
}
"""Conclusion or status word → (icon, colour)."""

ORDER = {"failure": 0, "interrupted": 1, "cancelled": 2, "running": 3, "queued": 4, "success": 5, "skipped": 6}
"""Failures first: the order jobs are listed in a run view."""


def badge(word: str) -> Text:
    """The icon of a state word, coloured."""
    icon, colour = ICONS.get(word, ("?", "white"))
    return Text(icon, style=colour)


def labelled(word: str) -> Text:
    """Icon and word, coloured."""
    icon, colour = ICONS.get(word, ("?", "white"))
    return Text(f"{icon} {word}", style=colour)


def duration(started: float | None, finished: float | None, *, now: float) -> str:
    """``1m05s``, ``3.2s``; running ones count up to now; empty when never started."""
    if started is None:
        return ""
    seconds = max(0.0, (finished if finished is not None else now) - started)
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


def ago(moment: float | None, *, now: float) -> str:
    """``5s ago``, ``3m ago``, ``2h ago``, ``4d ago``."""
    if moment is None:
        return ""
    seconds = max(0, int(now - moment))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def short_ref(ref: str) -> str:
    """A branch or tag name without ``refs/heads/`` or ``refs/tags/``."""
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref
