"""The command line: the only place that prints or exits.

Each sub-command lives in its own module and is imported only when it runs, so
``baton validate`` never pays for docker, paramiko or textual.
"""

from __future__ import annotations

import argparse
import atexit
import gc as collector  # as ``gc``, the name would be rebound to the sub-command runner.cli.gc once it is imported
import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from runner import __version__
from runner.errors import BatonError

# At exit the interpreter's last collections walk every object of the process (some
# 40,000 once a run's modules are imported: 40-100 ms, most of what a short command spends
# after its work). Frozen first, they are left to the process's end. Nothing baton writes
# waits for a collection to be flushed: stores, logs and files are closed when done.
atexit.register(collector.freeze)

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("runner.cli.run", "run this checkout's workflows now, in Docker or on the host (act's flags)"),
    "gc": ("runner.cli.gc", "remove containers, networks, volumes and folders that killed runs left behind"),
    "validate": ("runner.cli.validate", "check workflow files and report every error with its position"),
    "list": ("runner.cli.listing", "list workflows, their events, jobs, needs and matrix sizes"),
    "graph": ("runner.cli.graph", "draw the job graph of workflows"),
    "eval": ("runner.cli.evaluate", "evaluate a ${{ }} expression, to debug an if: before pushing"),
    "runs": ("runner.cli.runs", "list recent runs from the store: number, id, workflow, ref, conclusion, timing"),
    "logs": ("runner.cli.logs", "print (or --follow) the logs of a run, a job or a step"),
    "cancel": ("runner.cli.cancel", "cancel a run of the watch service or of a `baton run` on this machine"),
    "rerun": ("runner.cli.rerun", "run a recorded run again on the same commit and event (--failed: its failed jobs)"),
    "hook": ("runner.cli.hook", "install a git hook that pokes the watch service at each push or commit"),
    "dispatch": ("runner.cli.dispatch", "start a workflow_dispatch run in the watch service, inputs checked"),
    "artifacts": ("runner.cli.artifacts", "list the artifacts a run uploaded, or copy one out (--to DIR)"),
    "watch": ("runner.cli.watch", "the service: run workflows on push, schedule and dispatch for watched repositories"),
    "ui": ("runner.cli.ui", "the live dashboard: runs, job graphs, logs; cancel and re-run from the keyboard"),
}
"""Sub-command → (module, one-line help); each module has ``add_arguments`` and ``run``."""


def build_parser(loaded: str | None = None, *, is_alone: bool = False) -> argparse.ArgumentParser:
    """The argument parser: every sub-command listed, only ``loaded``'s module imported
    for its flags (the others are imported when they run; start-up time counts). With
    ``is_alone``, ``loaded``'s sub-parser is the only one made: parsing its command line
    needs no other, and making all fifteen costs a command 1.2 ms."""
    parser = argparse.ArgumentParser(
        prog="baton",
        description="Run GitHub Actions workflows locally, on push, in Docker, over SSH or on the host.",
    )
    parser.add_argument("--version", action="version", version=f"baton {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        if is_alone and name != loaded:
            continue
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == loaded:
            importlib.import_module(module).add_arguments(sub)
    return parser


@contextmanager
def starting() -> Iterator[None]:
    """A block of start-up work (imports, parsing) with the cycle collector at rest.

    Start-up makes objects that live as long as the process (some 150 modules, 140
    dataclasses): collecting among them frees nothing, and cost a one-step run 13 ms.
    Leaving the block freezes them out of every later collection, then resumes it.
    """
    was_enabled = collector.isenabled()
    collector.disable()
    try:
        yield
    finally:
        collector.freeze()
        if was_enabled:
            collector.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``baton`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    with starting():
        # The command first (``baton run …``): only its sub-parser is needed. Otherwise (no
        # command, an unknown one, ``baton --help run``) the help or error lists them all.
        parser = build_parser(command, is_alone=command in COMMANDS and args_list[0] == command)
        args = parser.parse_args(args_list)
        if args.command:
            module = importlib.import_module(COMMANDS[args.command][0])
    if not args.command:
        parser.print_help()
        return 2
    try:
        code: int = module.run(args)
    except BatonError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print("baton: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = 141
    return code


if __name__ == "__main__":
    sys.exit(main())
