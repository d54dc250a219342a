"""A run's jobs as a live tree: matrix legs under their job, steps under each leg.

Jobs are listed failures first (then running, queued, done), each with the jobs it
needs shown as its incoming edges (``◀ build, lint``). Selecting a job or a step posts
:class:`JobTree.Picked`; the screen shows that job's log.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from runner.store.records import JobRecord, StepRecord
from runner.tui.feed import RunDetail, outcome_word
from runner.tui.look import ORDER, badge, duration


@dataclass(frozen=True, slots=True)
class Pick:
    """What a tree node stands for: a job (one leg), optionally one of its steps."""

    job_key: str
    step: int | None = None
    """The step's position among the job's steps, from 0."""


class JobTree(Tree[Pick | None]):
    """Jobs, legs and steps of one run, rebuilt in place as the run goes on."""

    DEFAULT_CSS = """
    JobTree { width: 44; border-right: solid $primary-background; }
    """

    class Picked(Message):
        """The user chose a job or a step."""

        def __init__(self, pick: Pick) -> None:
            super().__init__()
            self.pick = pick

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("jobs", id=id)
        self.show_root = False
        self.guide_depth = 2
        self._tree_shape: tuple[tuple[str, ...], ...] = ()
        self._by_pick: dict[Pick, TreeNode[Pick | None]] = {}

    def show(self, detail: RunDetail, now: float) -> None:
        """Reflect ``detail`` as of ``now``; the tree is rebuilt only when its shape changes."""
        groups = _grouped(detail.jobs)
        shape = tuple(
            (job_id, *(f"{leg.job_key}:{len(detail.steps.get(leg.job_key, ()))}" for leg in legs))
            for job_id, legs in groups
        )
        if shape != self._tree_shape:
            self._rebuild(detail, groups, now)
            self._tree_shape = shape
            return
        for _job_id, legs in groups:
            for leg in legs:
                node = self._by_pick.get(Pick(leg.job_key))
                if node is not None:
                    node.set_label(_job_label(leg, now, is_leg=len(legs) > 1))
                for position, step in enumerate(detail.steps.get(leg.job_key, ())):
                    step_node = self._by_pick.get(Pick(leg.job_key, position))
                    if step_node is not None:
                        step_node.set_label(_step_label(step, now))
            if len(legs) > 1:
                group_node = self._by_pick.get(Pick(f"group:{_job_id}"))
                if group_node is not None:
                    group_node.set_label(_group_label(_job_id, legs))

    def node_of(self, pick: Pick) -> TreeNode[Pick | None] | None:
        """The node standing for ``pick``."""
        return self._by_pick.get(pick)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Pick | None]) -> None:
        """Moving the cursor onto a job or step shows its log."""
        event.stop()
        if event.node.data is not None and not event.node.data.job_key.startswith("group:"):
            self.post_message(self.Picked(event.node.data))

    def _rebuild(self, detail: RunDetail, groups: list[tuple[str, list[JobRecord]]], now: float) -> None:
        chosen = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self._by_pick = {}
        for job_id, legs in groups:
            parent = self.root
            if len(legs) > 1:
                parent = self.root.add(_group_label(job_id, legs), data=Pick(f"group:{job_id}"), expand=True)
                self._by_pick[Pick(f"group:{job_id}")] = parent
            for leg in legs:
                node = parent.add(_job_label(leg, now, is_leg=len(legs) > 1), data=Pick(leg.job_key), expand=True)
                self._by_pick[Pick(leg.job_key)] = node
                for position, step in enumerate(detail.steps.get(leg.job_key, ())):
                    self._by_pick[Pick(leg.job_key, position)] = node.add_leaf(_step_label(step, now), data=Pick(leg.job_key, position))
        if chosen is not None and chosen in self._by_pick:
            self.move_cursor(self._by_pick[chosen])


def _grouped(jobs: tuple[JobRecord, ...]) -> list[tuple[str, list[JobRecord]]]:
    """Jobs by workflow job id (legs together), failures first, else in queue order."""
    groups: dict[str, list[JobRecord]] = {}
    for job in jobs:
        groups.setdefault(job.job_id if job.matrix else job.job_key, []).append(job)

    def rank(item: tuple[str, list[JobRecord]]) -> int:
        return min(ORDER.get(outcome_word(j.status, j.conclusion), 9) for j in item[1])

    ordered = list(groups.items())
    return sorted(ordered, key=rank)


def _job_label(job: JobRecord, now: float, *, is_leg: bool) -> Text:
    word = outcome_word(job.status, job.conclusion)
    text = Text.assemble(badge(word), " ", (job.name, "bold" if not is_leg else ""))
    took = duration(job.started_at, job.finished_at, now=now)
    if took:
        text.append(f"  {took}", style="bright_black")
    if job.needs and not is_leg:
        text.append(f"  ◀ {', '.join(job.needs)}", style="bright_black")
    if job.attempt > 1:  # retried after the infrastructure broke, or re-run
        text.append(f"  attempt {job.attempt}", style="yellow")
    if word == "queued" and job.reason:  # why it waits: a busy host, or a retry
        text.append(f"  {job.reason}", style="bright_black")
    return text


def _group_label(job_id: str, legs: list[JobRecord]) -> Text:
    words = [outcome_word(leg.status, leg.conclusion) for leg in legs]
    worst = min(words, key=lambda w: ORDER.get(w, 9))
    done = sum(1 for leg in legs if leg.conclusion is not None)
    text = Text.assemble(badge(worst), " ", (job_id, "bold"), (f" ×{len(legs)}", "bright_black"))
    text.append(f"  {done}/{len(legs)} done", style="bright_black")
    needs = legs[0].needs
    if needs:
        text.append(f"  ◀ {', '.join(needs)}", style="bright_black")
    return text


def _step_label(step: StepRecord, now: float) -> Text:
    word = outcome_word(step.status, step.conclusion)
    text = Text.assemble(badge(word), " ", step.name)
    took = duration(step.started_at, step.finished_at, now=now)
    if took:
        text.append(f"  {took}", style="bright_black")
    return text
