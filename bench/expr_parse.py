"""Parsing every expression of the 201 real workflows (about 4300) stays well under 100 ms."""

from __future__ import annotations

import time
from typing import Any

import yaml

from runner.expr import Template, parse_condition
from runner.expr.expression import _parse_cached
from tests.shared import CORPUS

BUDGET_SECONDS = 0.1


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


def _corpus() -> tuple[list[str], list[str]]:
    templates: list[str] = []
    conditions: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".yml", ".yaml"):
            _collect(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader), templates, conditions)
    return templates, conditions


def test_corpus_parses_well_within_budget() -> None:
    templates, conditions = _corpus()
    best = float("inf")
    count = 0
    for _ in range(3):
        _parse_cached.cache_clear()  # measure from cold, as a fresh process would
        started = time.perf_counter()
        count = sum(len(Template.parse(source).expressions) for source in templates)
        for condition in conditions:
            parse_condition(condition)
        count += len(conditions)
        best = min(best, time.perf_counter() - started)
    assert count > 4000
    assert best < BUDGET_SECONDS, f"{count} expressions took {best * 1000:.0f} ms"
