"""Post steps of native actions (``actions/cache`` saves): after the job's steps, in
reverse order of their main steps, each under its action's ``post-if``."""

from __future__ import annotations

import time
from dataclasses import replace

from runner.engine.actions import run_call
from runner.engine.job_state import JobScope, JobState
from runner.errors import BatonError
from runner.events import StepFinished, StepStarted
from runner.expr import is_truthy
from runner.expr.condition import parse_condition
from runner.status import Conclusion


async def run_posts(scope: JobScope, state: JobState, first_index: int) -> JobState:
    """Run the pending post steps of ``state`` as steps ``first_index``, ``first_index + 1``, …;
    a failed post step fails the job, as on GitHub."""
    run_id, key = scope.request.run_id, scope.leg.key
    for offset, post in enumerate(reversed(state.posts)):
        index = first_index + offset
        name = f"Post {post.name}"
        should_run = is_truthy(parse_condition(post.action.post_if).evaluate(state.expression_contexts(),
                                                                              status=state.status_inputs))
        if not should_run:
            scope.bus.publish(StepFinished(run_id=run_id, job_key=key, index=index, name=name, outcome=Conclusion.SKIPPED,
                                           conclusion=Conclusion.SKIPPED, outputs={}, started=None, at=time.time()))
            continue
        started = time.time()
        scope.bus.publish(StepStarted(run_id=run_id, job_key=key, index=index, name=name, at=started))
        try:
            outcome, _ = await run_call(scope, index, state.env, post.action.post, post.call)
        except BatonError as exc:
            scope.log(index, f"##[error]{exc}")
            outcome = Conclusion.FAILURE
        scope.bus.publish(StepFinished(run_id=run_id, job_key=key, index=index, name=name, outcome=outcome,
                                       conclusion=outcome, outputs={}, started=started, at=time.time()))
        if outcome == Conclusion.FAILURE and state.status == "success":
            state = replace(state, status="failure")
    return replace(state, posts=())
