"""``baton list [PATH...] [--format json]``: workflows, events, jobs, needs, matrix sizes."""

from __future__ import annotations

import argparse
import json
import sys

from runner.cli.paths import display_path, workflow_files
from runner.cli.style import Style
from runner.cli.summary import summarize
from runner.errors import WorkflowError
from runner.expr import Value
from runner.workflow import parse_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton list``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="workflow files or folders (default: this repository's)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    """List; invalid files are reported on stderr and make the exit code 1."""
    documents: list[Value] = []
    failed = 0
    for path in workflow_files(args.paths):
        name = display_path(path)
        try:
            workflow = parse_file(path, display=name)
        except WorkflowError as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
            continue
        jobs: list[Value] = [
            {"id": j.id, "name": j.name, "needs": list(j.needs), "matrix_size": j.matrix_size}
            for j in summarize(workflow)
        ]
        documents.append({"file": name, "name": workflow.display_name, "events": list(workflow.on.events), "jobs": jobs})
    if args.format == "json":
        json.dump(documents, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(documents)
    return 1 if failed else 0


def _print_text(documents: list[Value]) -> None:
    style = Style(sys.stdout)
    for doc in documents:
        assert isinstance(doc, dict)
        events = ", ".join(str(e) for e in doc["events"]) if isinstance(doc["events"], list) else ""
        print(f"{style(str(doc['name']), 'bold')}  {style(str(doc['file']), 'dim')}  on: {events}")
        jobs = doc["jobs"] if isinstance(doc["jobs"], list) else []
        for job in jobs:
            assert isinstance(job, dict)
            size = job["matrix_size"]
            legs = "matrix ?" if size is None else f"matrix ×{size}" if size != 1 else ""
            needs = job["needs"] if isinstance(job["needs"], list) else []
            after = f"needs {', '.join(str(n) for n in needs)}" if needs else ""
            label = str(job["name"]) if job["name"] == job["id"] else f"{job['name']} [{job['id']}]"
            print(f"  {label:<44} {style(legs, 'cyan'):<12} {style(after, 'dim')}".rstrip())
