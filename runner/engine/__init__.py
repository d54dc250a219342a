"""Runs a plan: asyncio end to end, executors behind ``runner.api``, events on a bus."""

from __future__ import annotations

from runner.engine.capacity import Capacity
from runner.engine.masking import Masker
from runner.engine.request import JobResult, RunRequest
from runner.engine.scheduler import Scheduler
from runner.events import EventBus
from runner.status import Conclusion

__all__ = ["Capacity", "JobResult", "RunRequest", "execute_run"]


async def execute_run(request: RunRequest, bus: EventBus) -> Conclusion:
    """Run ``request`` to its end, publishing every event on ``bus``; returns its conclusion.

    Cancelling the calling task cancels the run: steps are stopped, sessions cleaned up,
    and the run is recorded as cancelled before the cancellation propagates.
    """
    masker = Masker([*request.secrets.values(), request.info.token])
    return await Scheduler(request, bus, masker).run()
