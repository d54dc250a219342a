"""``baton artifacts RUN [NAME --to DIR]``: the artifacts a run uploaded, or one copied out."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from runner.artifact_store import ArtifactStore
from runner.atomic import human_size
from runner.errors import UsageError
from runner.store import Store, get_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton artifacts``."""
    parser.add_argument("run", metavar="RUN", help="a run number, id or id prefix")
    parser.add_argument("name", nargs="?", metavar="NAME", help="one artifact (with --to: copy its files out)")
    parser.add_argument("--to", metavar="DIR", help="copy artifact NAME's files into DIR")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (table)")


def run(args: argparse.Namespace) -> int:
    """List the run's artifacts, or copy one out."""
    with Store.open() as store:
        record = get_run(store, args.run)
        home = store.home
    artifacts = ArtifactStore(home).artifacts(record.id)
    if args.name is not None:
        artifacts = [a for a in artifacts if a.name == args.name]
        if not artifacts:
            raise UsageError(f"run {record.id} has no artifact named '{args.name}' (see: baton artifacts {args.run})")
    if args.to is not None:
        if args.name is None:
            raise UsageError("--to DIR needs the NAME of the artifact to copy out")
        shutil.copytree(artifacts[0].folder, Path(args.to), symlinks=True, dirs_exist_ok=True)
        print(f"copied artifact '{args.name}' ({artifacts[0].files} files) to {args.to}")
        return 0
    if args.format == "json":
        print(json.dumps([{"name": a.name, "job": a.job, "files": a.files, "size": a.size, "created": a.created,
                           "expires": a.expires, "path": str(a.folder)} for a in artifacts], indent=2))
        return 0
    if not artifacts:
        print(f"run {record.id} has no artifacts")
        return 0
    rows = [("NAME", "FILES", "SIZE", "JOB", "EXPIRES")] + [
        (a.name, str(a.files), human_size(a.size), a.job, _when(a.expires)) for a in artifacts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _when(moment: float) -> str:
    days = (moment - time.time()) / 86400
    return "expired" if days <= 0 else f"in {days:.0f} days" if days >= 1 else f"in {days * 24:.0f} hours"
