"""``baton validate [PATH...]``: every error of every file, as ``path:line:col: error: …``."""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import sys
from pathlib import Path

from runner.cli.paths import display_path, workflow_files
from runner.cli.style import Style
from runner.errors import Diagnostic
from runner.plan import check_plan
from runner.workflow import check
from runner.workflow.loader import load_file


PER_WORKER = 16
"""Files per worker below which forking costs more than it saves."""


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
    """Validate many files, on every core when there are enough of them to pay for it.

    Files are shared out by size (largest first, each to the least loaded worker); this
    process is one of the workers, the others are forked children that send their
    results back through a pipe. A child that fails leaves its share to this process.
    """
    workers = min(os.cpu_count() or 1, len(files) // PER_WORKER)
    if workers < 2:
        return [validate_file(path) for path in files]
    shares = _shares(files, workers)
    children = [_fork(files, share) for share in shares[1:]]
    results: dict[int, tuple[bool, tuple[Diagnostic, ...]]] = {i: validate_file(files[i]) for i in shares[0]}
    for pid, pipe, share in children:
        with os.fdopen(pipe, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
        part = pickle.loads(data) if status == 0 and data else [validate_file(files[i]) for i in share]
        results.update(zip(share, part))
    return [results[i] for i in range(len(files))]


def _shares(files: list[Path], workers: int) -> list[list[int]]:
    sizes = [path.stat().st_size if path.is_file() else 0 for path in files]
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for index in sorted(range(len(files)), key=lambda i: -sizes[i]):
        least = loads.index(min(loads))
        shares[least].append(index)
        loads[least] += sizes[index]
    return shares


def _fork(files: list[Path], share: list[int]) -> tuple[int, int, list[int]]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: validate its share, send it, and leave without cleanup
        os.close(read)
        code = 1
        try:
            data = pickle.dumps([validate_file(files[i]) for i in share])
            with os.fdopen(write, "wb") as stream:
                stream.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read, share


def run(args: argparse.Namespace) -> int:
    """Validate; exit 0 when all files are valid, 1 otherwise."""
    # A short-lived batch that builds many small objects and frees them as it goes:
    # the cycle collector would only rescan live trees (a quarter of the time).
    gc.disable()
    files = workflow_files(args.paths)
    style = Style(sys.stdout)
    invalid = errors = warnings = 0
    lines: list[str] = []
    for is_valid, diagnostics in validate_files(files):
        invalid += not is_valid
        for d in diagnostics:
            if d.severity == "warning":
                if args.no_warnings:
                    continue
                warnings += 1
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
