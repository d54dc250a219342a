"""POSIX cron lines as ``on.schedule`` accepts them: five fields, names, ranges, steps."""

from __future__ import annotations

_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    ),
    ("day of week", 0, 6, {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}),
)


def cron_problem(line: str) -> str | None:
    """Why ``line`` is not a valid schedule, or None when it is."""
    fields = line.split()
    if len(fields) != 5:
        return f"cron '{line}' has {len(fields)} fields; expected 5 (minute hour day-of-month month day-of-week)"
    for text, (name, low, high, names) in zip(fields, _FIELDS):
        for part in text.split(","):
            problem = _part_problem(part, low, high, names)
            if problem:
                return f"cron '{line}': {name} field '{text}': {problem}"
    return None


def _part_problem(part: str, low: int, high: int, names: dict[str, int]) -> str | None:
    base, slash, step = part.partition("/")
    if slash:
        if not step.isdigit() or int(step) == 0:
            return f"step '{step}' must be a positive number"
    if base == "*":
        return None
    first, dash, last = base.partition("-")
    for value in (first, last) if dash else (first,):
        number = names.get(value.lower()) if not value.isdigit() else int(value)
        # GitHub accepts 7 as Sunday, as POSIX cron does.
        top = 7 if high == 6 else high
        if number is None:
            return f"'{value}' is not a number" + (" or a name" if names else "")
        if not low <= number <= top:
            return f"{number} is out of range {low}-{high}"
    if dash:
        a = names.get(first.lower()) if not first.isdigit() else int(first)
        b = names.get(last.lower()) if not last.isdigit() else int(last)
        if a is not None and b is not None and a > b:
            return f"range {first}-{last} runs backwards"
    return None
