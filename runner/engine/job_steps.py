"""A job's steps from first to last: the actions' ``pre`` parts, the steps, their ``post`` parts."""

from __future__ import annotations

import asyncio

from runner.engine.background import Background
from runner.engine.job_state import JobScope, JobState, as_value
from runner.engine.pre_post import run_posts, run_pres
from runner.engine.step_runner import run_step
from runner.expr import Value, to_display_string
from runner.workflow.model import Step
from runner.workflow.resolve import resolve_texts


async def run_steps(scope: JobScope, steps: tuple[Step, ...]) -> JobState:
    """Run a job's steps in order (a background one goes on while the next ones run), between
    the ``pre`` and ``post`` parts of their actions (numbered after the steps); returns the final state."""
    state, extra = await run_pres(scope, initial_state(scope), steps, len(steps))
    background = Background(scope)
    try:
        for step in steps:
            if step.control is not None:
                state = await background.control(state, step)
            elif step.background:
                background.start(state, step)
            else:
                state = await run_step(scope, state, step, step.index)
        state = await background.finish(state)
    except asyncio.CancelledError:
        background.abandon()
        raise
    return await run_posts(scope, state, extra)


def initial_state(scope: JobScope) -> JobState:
    """The env of the first step: ``--env-file`` < workflow ``env`` < job ``env``."""
    contexts = scope.contexts
    # act's convention, kept: workflows test env.ACT to skip what needs a hosted runner.
    env = {"ACT": "true", **scope.request.env}
    workflow_scope: dict[str, Value] = {k: contexts[k] for k in ("github", "secrets", "inputs", "vars") if k in contexts}
    for name, text in resolve_texts(scope.request.plan.workflow.env, workflow_scope, "env").items():
        env[name] = to_display_string(text.evaluate({**workflow_scope, "env": as_value(env)}))
    for name, text in resolve_texts(scope.leg.job.env, contexts, "env").items():
        env[name] = to_display_string(text.evaluate({**contexts, "env": as_value(env)}))
    return JobState(contexts=contexts, env=env)
