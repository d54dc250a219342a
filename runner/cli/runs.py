"""``baton runs``: the recent runs in the store, newest first."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from runner.cli.style import Style
from runner.errors import UsageError
from runner.status import Conclusion, Status
from runner.store import RunRecord, Store, list_runs, retries_of

COLOURS: dict[str, tuple[str, ...]] = {
    Conclusion.SUCCESS.value: ("green",),
    Conclusion.FAILURE.value: ("red", "bold"),
    Conclusion.CANCELLED.value: ("yellow",),
    Conclusion.INTERRUPTED.value: ("magenta",),
    Conclusion.SKIPPED.value: ("dim",),
    Status.RUNNING.value: ("cyan",),
    Status.QUEUED.value: ("dim",),
}
"""Colour of each conclusion (and of the status of what has not concluded yet)."""

_HEADERS = ("#", "ID", "REPO", "WORKFLOW", "EVENT", "REF", "SHA", "CONCLUSION", "ATTEMPT", "STARTED", "DURATION", "TITLE")
_CONCLUSION = _HEADERS.index("CONCLUSION")
_MIN_ID = 8
_TITLE_WIDTH = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton runs``."""
    parser.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="show the N most recent runs (20)")
    parser.add_argument("--repository", metavar="PATH", help="only the runs of this repository")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (table)")


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON) of recent runs."""
    if args.limit < 1:
        raise UsageError("--limit must be at least 1", where="--limit")
    with Store.open() as store:
        runs = list_runs(store, args.limit, repository=args.repository)
        retries = retries_of(store, [r.id for r in runs])
    now = time.time()
    if args.format == "json":
        json.dump([{**asdict(r), "duration": duration_seconds(r, now), "retries": retries.get(r.id, 0)} for r in runs],
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not runs:
        print("no runs yet (`baton run` starts one)", file=sys.stderr)
        return 0
    style = Style(sys.stdout)
    ids = short_ids([r.id for r in runs])
    rows = [
        (
            str(r.number),
            ids[r.id],
            r.repo or "-",
            r.workflow,
            r.event,
            short_ref(r.ref),
            r.sha[:7],
            state(r),
            attempt_text(r.attempt, retries.get(r.id, 0)),
            relative_time(r.started_at, now),
            format_duration(duration_seconds(r, now)),
            shorten(r.title, _TITLE_WIDTH),
        )
        for r in runs
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(_HEADERS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_HEADERS, widths)).rstrip()]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        cells[_CONCLUSION] = style(cells[_CONCLUSION], *COLOURS.get(row[_CONCLUSION], ()))
        lines.append("  ".join(cells).rstrip())
    lines[0] = style(lines[0], "bold")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def state(run: RunRecord) -> str:
    """The conclusion of a finished run, else its status."""
    return run.conclusion.value if run.conclusion is not None else run.status.value


def attempt_text(attempt: int, retries: int) -> str:
    """``1``, ``2`` (a re-run), ``1 (1 retry)``: the run's attempt and its jobs' retries."""
    if not retries:
        return str(attempt)
    return f"{attempt} ({retries} retr{'y' if retries == 1 else 'ies'})"


def short_ref(ref: str) -> str:
    """``refs/heads/main`` → ``main``, ``refs/tags/v1`` → ``v1``, ``refs/pull/3/merge`` → ``pull/3/merge``."""
    for prefix in ("refs/heads/", "refs/tags/", "refs/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def short_ids(ids: list[str]) -> dict[str, str]:
    """The shortest prefixes (at least 8 characters) that tell these ids apart."""
    length = _MIN_ID
    while length < max((len(i) for i in ids), default=0) and len({i[:length] for i in ids}) < len(set(ids)):
        length += 1
    return {i: i[:length] for i in ids}


def duration_seconds(run: RunRecord, now: float) -> float | None:
    """How long the run took, or has been running so far; None if it never started."""
    if run.started_at is None:
        return None
    end = run.finished_at if run.finished_at is not None else (None if run.is_completed else now)
    return None if end is None else max(0.0, end - run.started_at)


def format_duration(seconds: float | None) -> str:
    """``45s``, ``3m 04s``, ``1h 02m``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def relative_time(at: float | None, now: float) -> str:
    """``12 s ago``, ``3 min ago``, ``5 h ago``, ``2 days ago``, else the date."""
    if at is None:
        return "-"
    ago = max(0, int(now - at))
    if ago < 60:
        return f"{ago} s ago"
    if ago < 3600:
        return f"{ago // 60} min ago"
    if ago < 86400:
        return f"{ago // 3600} h ago"
    if ago < 30 * 86400:
        days = ago // 86400
        return f"{days} day{'s' * (days != 1)} ago"
    return time.strftime("%Y-%m-%d", time.localtime(at))
