"""How long parsing every expression of the 201 real workflows takes (about 4,300).

Run: python -m bench.expr_parse
"""

from __future__ import annotations

import time
from typing import Any

import yaml

from runner.expr import Template, parse_condition
from runner.expr.expression import _parse_cached
from tests.shared import CORPUS


def _collect(node: Any, templates: list[str], conditions: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "if" and isinstance(value, str):
                conditions.append(value)
            else:
                _collect(value, templates, conditions)
    elif isinstance(node, list):
        for item in node:
            _collect(item, templates, conditions)
    elif isinstance(node, str) and "${{" in node:
        templates.append(node)


def main() -> None:
    templates: list[str] = []
    conditions: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".yml", ".yaml"):
            _collect(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader), templates, conditions)
    best = float("inf")
    count = 0
    for _ in range(5):
        _parse_cached.cache_clear()  # from cold, as a fresh process parses
        started = time.perf_counter()
        count = sum(len(Template.parse(source).expressions) for source in templates)
        for condition in conditions:
            parse_condition(condition)
        count += len(conditions)
        best = min(best, time.perf_counter() - started)
    print(f"parsed {count} expressions in {best * 1000:.1f} ms (best of 5, cold cache)")


if __name__ == "__main__":
    main()
