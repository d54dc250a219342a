"""Runs a plan: asyncio end to end, executors behind ``runner.api``, events on a bus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.engine.capacity import Capacity
from runner.engine.request import JobResult, KeptJob, KeptLeg, RunRequest

if TYPE_CHECKING:
    from runner.events import EventBus
    from runner.status import Conclusion

__all__ = ["Capacity", "JobResult", "KeptJob", "KeptLeg", "RunRequest", "execute_run"]


async def execute_run(request: RunRequest, bus: EventBus) -> Conclusion:
    """Run ``request`` to its end, publishing every event on ``bus``; returns its conclusion.

    Cancelling the calling task cancels the run: steps are stopped, sessions cleaned up,
    and the run is recorded as cancelled before the cancellation propagates.
    """
    # Imported here, not above: importing any engine module (``contexts`` for a plan,
    # ``placement`` for the executors) runs this file, and a plan that runs nothing
    # (``baton run -n``) must not pay for the scheduler and everything under it.
    from runner.engine.masking import Masker
    from runner.engine.scheduler import Scheduler

    masker = Masker([*request.secrets.values(), request.info.token])
    return await Scheduler(request, bus, masker).run()
