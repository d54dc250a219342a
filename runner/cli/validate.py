"""``baton validate [PATH...]``: every error of every file, as ``path:line:col: error: …``."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from runner.cli.paths import display_path, workflow_files
from runner.cli.style import Style
from runner.errors import Diagnostic
from runner.plan import check_plan
from runner.workflow import check
from runner.workflow.loader import load_file


PER_WORKER = 24
"""Files per extra process below which forking costs more than it saves."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton validate``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="workflow files or folders (default: this repository's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems, no summary")
    parser.add_argument("--no-warnings", action="store_true", help="do not print warnings")


def validate_file(path: Path) -> tuple[bool, tuple[Diagnostic, ...]]:
    """Whether the file is valid, and its findings (validation and static plan checks)."""
    name = display_path(path)
    workflow, diagnostics = check(load_file(path, display=name), name)
    if workflow is not None:
        found = check_plan(workflow)
        if found:
            return False, diagnostics + found
    return workflow is not None, diagnostics


def validate_files(files: list[Path]) -> list[tuple[bool, tuple[Diagnostic, ...]]]:
    """Validate many files, on every core when there are enough of them to pay for it."""
    workers = min(os.cpu_count() or 1, len(files) // PER_WORKER)
    if workers < 2:
        return [validate_file(path) for path in files]
    chunks = [files[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_validate_chunk, chunks))
    results: list[tuple[bool, tuple[Diagnostic, ...]]] = [(True, ())] * len(files)
    for offset, part in enumerate(parts):
        for i, result in enumerate(part):
            results[offset + i * workers] = result
    return results


def _validate_chunk(files: list[Path]) -> list[tuple[bool, tuple[Diagnostic, ...]]]:
    return [validate_file(path) for path in files]


def run(args: argparse.Namespace) -> int:
    """Validate; exit 0 when all files are valid, 1 otherwise."""
    files = workflow_files(args.paths)
    style = Style(sys.stdout)
    invalid = errors = warnings = 0
    lines: list[str] = []
    for is_valid, diagnostics in validate_files(files):
        invalid += not is_valid
        for d in diagnostics:
            if d.severity == "warning":
                warnings += 1
                if args.no_warnings:
                    continue
            else:
                errors += 1
            colour = "red" if d.severity == "error" else "yellow"
            lines.append(f"{style(str(d.mark), 'bold')}: {style(d.severity, colour, 'bold')}: {d.message}")
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    if not args.quiet:
        noun = "workflow" if len(files) == 1 else "workflows"
        extra = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        if invalid:
            summary = f"{invalid} of {len(files)} {noun} invalid ({errors} error{'s' * (errors != 1)}{extra})"
            print(style(summary, "red"), file=sys.stderr)
        else:
            print(style(f"{len(files)} {noun} valid{extra}", "green"), file=sys.stderr)
    return 1 if invalid else 0
