"""``- parallel: [...]`` step groups: the nested steps run side by side in one session."""

from __future__ import annotations

import asyncio

from runner.engine.job_state import JobScope, JobState, NestedStepRunner, StepResult
from runner.status import Conclusion
from runner.workflow.model import Step


async def run_parallel(scope: JobScope, state: JobState, step: Step, index: int, run_nested: NestedStepRunner) -> StepResult:
    """Run the group's steps concurrently, each logging into the group's step."""
    finals = await asyncio.gather(*(run_nested(scope, state, inner, index) for inner in step.parallel))
    env: dict[str, str] = {}
    path: list[str] = []
    summary = ""
    ok = True
    steps = {inner.id: final.steps[inner.id] for inner, final in zip(step.parallel, finals) if inner.id and inner.id in final.steps}
    posts = tuple(post for final in finals for post in final.posts[len(state.posts) :])
    for final in finals:
        env.update(final.exported)
        path.extend(p for p in final.path if p not in state.path and p not in path)
        summary += final.summary[len(state.summary) :]
        ok = ok and final.status == "success"
    outcome = Conclusion.SUCCESS if ok else Conclusion.FAILURE
    return StepResult(outcome=outcome, env=env, path=tuple(path), summary=summary, posts=posts, steps=steps)
