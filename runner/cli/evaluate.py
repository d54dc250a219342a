"""``baton eval EXPR [--context FILE.json] [--if]``: an expression's value, as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from runner.errors import ExpressionError, UsageError
from runner.expr import Status, Value, evaluate, evaluate_condition, to_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton eval``."""
    parser.add_argument("expression", metavar="EXPR", help="the expression, with or without ${{ }}")
    parser.add_argument(
        "--context",
        metavar="FILE.json",
        help="a JSON object of contexts, e.g. {\"github\": {\"ref\": \"refs/heads/main\"}, \"env\": {}}",
    )
    parser.add_argument("--if", dest="is_condition", action="store_true", help="evaluate as an if: condition")
    parser.add_argument(
        "--status",
        choices=("success", "failure", "cancelled"),
        default="success",
        help="job status seen by success()/failure()/cancelled() (default: success)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the result as JSON; an error points at its position in the expression."""
    contexts = _contexts(args.context)
    text: str = args.expression.strip()
    if text.startswith("${{") and text.endswith("}}") and not args.is_condition:
        text = text[3:-2]
    status = Status(job=args.status, is_cancelled=args.status == "cancelled")
    try:
        value: Value = (
            evaluate_condition(text, contexts, status=status) if args.is_condition else evaluate(text, contexts, status=status)
        )
    except ExpressionError as exc:
        print(f"baton: error: {exc.message}", file=sys.stderr)
        if exc.offset is not None:
            print(f"  {exc.expression}\n  {' ' * exc.offset}^", file=sys.stderr)
        return 1
    print(to_json(value))
    return 0


def _contexts(path: str | None) -> dict[str, Value]:
    base: dict[str, Value] = {
        name: {} for name in ("github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix", "needs", "inputs")
    }
    if path is None:
        return base
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the context file must hold a JSON object of contexts")
    base.update(data)
    return base
