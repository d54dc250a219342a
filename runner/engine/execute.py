"""The engine's entry point: run one request to its end."""

from __future__ import annotations

from runner.engine.masking import Masker
from runner.engine.request import RunRequest
from runner.engine.scheduler import Scheduler
from runner.events import EventBus
from runner.status import Conclusion


async def execute_run(request: RunRequest, bus: EventBus) -> Conclusion:
    """Run ``request`` to its end, publishing every event on ``bus``; returns its conclusion.

    Cancelling the calling task cancels the run: steps are stopped, sessions cleaned up,
    and the run is recorded as cancelled before the cancellation propagates.
    """
    masker = Masker([*request.secrets.values(), request.info.token])
    return await Scheduler(request, bus, masker).run()
