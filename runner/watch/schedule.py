"""``on.schedule`` ticks (croniter, in the workflow's timezone when it gives one): which
are due now, collapsing the ticks missed while the service was down into one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

Schedule = tuple[str, str, str | None]
"""(workflow path, cron line, timezone or None for UTC)."""


def _zone(name: str | None) -> timezone | ZoneInfo:
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc  # the workflow reader reports a bad zone; here it falls back to UTC


def latest_tick(line: str, zone: str | None, now: float) -> float:
    """The last tick of ``line`` at or before ``now`` (Unix time)."""
    start = datetime.fromtimestamp(now, _zone(zone))
    if croniter.match(line, start.replace(second=0, microsecond=0)) and start.second == 0 and start.microsecond == 0:
        return now
    return float(croniter(line, start).get_prev(float))


def next_tick(schedules: Iterable[tuple[str, str | None]], now: float) -> float | None:
    """The soonest tick after ``now`` of any of ``schedules`` ((line, zone) pairs)."""
    ticks = [float(croniter(line, datetime.fromtimestamp(now, _zone(zone))).get_next(float)) for line, zone in schedules]
    return min(ticks, default=None)


def due_ticks(
    schedules: Iterable[Schedule], last: Mapping[tuple[str, str], float], now: float
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """``(due, first seen)``: the schedules whose latest tick came after the last one run
    (one entry however many were missed), and those never seen, with their latest tick
    (recorded, not run: a schedule starts with its next tick)."""
    due: dict[tuple[str, str], float] = {}
    seen: dict[tuple[str, str], float] = {}
    for path, line, zone in schedules:
        key = (path, line)
        tick = latest_tick(line, zone, now)
        previous = last.get(key)
        if previous is None:
            seen[key] = tick
        elif tick > previous:
            due[key] = tick
    return due, seen
