"""``baton graph [PATH]``: the job graph, level by level, each job with what it waits on."""

from __future__ import annotations

import argparse
import sys

from runner.cli.paths import display_path, workflow_files
from runner.cli.style import Style
from runner.cli.summary import JobSummary, summarize
from runner.plan.graph import levels
from runner.workflow import parse_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton graph``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="workflow files or folders (default: this repository's)")


def run(args: argparse.Namespace) -> int:
    """Draw each workflow's graph."""
    style = Style(sys.stdout)
    for path in workflow_files(args.paths):
        workflow = parse_file(path, display=display_path(path))
        print(style(f"{workflow.display_name}", "bold") + style(f"  ({workflow.path})", "dim"))
        print("\n".join(render(summarize(workflow), style)))
        print()
    return 0


def render(jobs: list[JobSummary], style: Style) -> list[str]:
    """Lines of the drawing: one block per level, arrows from the jobs each one needs."""
    by_id = {j.id: j for j in jobs}
    tiers = levels({j.id: j.needs for j in jobs})
    width = max((len(_label(j)) for j in jobs), default=0)
    lines: list[str] = []
    for depth, tier in enumerate(tiers):
        last_tier = depth == len(tiers) - 1
        for i, job_id in enumerate(tier):
            job = by_id[job_id]
            branch = "○ " if depth == 0 else ("└─▶ ● " if last_tier and i == len(tier) - 1 else "├─▶ ● ")
            needs = f"◀ {', '.join(job.needs)}" if job.needs else ""
            label = _label(job).ljust(width + (4 if depth == 0 else 0))
            lines.append(f"  {branch}{style(label, 'bold')}  {style(needs, 'dim')}".rstrip())
        if not last_tier:
            lines.append("  │")
    return lines


def _label(job: JobSummary) -> str:
    size = job.matrix_size
    legs = "" if size == 1 else " ×?" if size is None else f" ×{size}"
    calls = f" → {job.uses}" if job.uses else ""
    name = job.id if job.name == job.id else f"{job.id} ({job.name})"
    return f"{name}{legs}{calls}"
