"""``baton hook install REPO``: have pushes (or commits) to a repository poke the watch
service at once, instead of waiting for its next poll."""

from __future__ import annotations

import argparse
from pathlib import Path

from runner.store import baton_home
from runner.watch.hooks_install import install_hook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton hook``."""
    parser.add_argument("action", choices=("install",), help="install: write the hook (an existing hook is kept and chained)")
    parser.add_argument("repo", metavar="REPO", help="the repository's folder: a bare repository or a working copy")


def run(args: argparse.Namespace) -> int:
    """Install the hook; exit 0."""
    print(install_hook(Path(args.repo).expanduser(), home=baton_home()))
    return 0
