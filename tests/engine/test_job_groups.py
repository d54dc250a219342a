"""Job-level concurrency groups: one holder, one waiter, the newest waiter wins."""

from __future__ import annotations

import asyncio

import pytest

from runner.engine.job_groups import Group, JobGroups, Replaced

GROUP = Group(name="deploy", is_cancelling=False)


async def test_one_holds_the_newest_waiter_goes_next_and_the_older_is_replaced() -> None:
    groups = JobGroups()
    order: list[str] = []
    release = asyncio.Event()

    async def job(name: str, group: Group = GROUP) -> str:
        try:
            async with groups.hold(group):
                order.append(name)
                await release.wait()
        except Replaced as exc:
            return f"{name}: {exc}"
        return f"{name}: ran"

    first = asyncio.create_task(job("first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(job("second"))
    await asyncio.sleep(0)
    third = asyncio.create_task(job("third"))
    other = asyncio.create_task(job("other", Group(name="other", is_cancelling=False)))
    async with asyncio.timeout(5):
        assert await asyncio.shield(second) == "second: replaced by a newer job of concurrency group 'deploy'"
        while "other" not in order:  # another group's job does not wait for this one
            await asyncio.sleep(0)
    assert order == ["first", "other"]  # third waits for first
    release.set()
    assert await asyncio.gather(first, second, third, other) == [
        "first: ran", "second: replaced by a newer job of concurrency group 'deploy'", "third: ran", "other: ran",
    ]  # fmt: skip
    assert order == ["first", "other", "third"]


async def test_cancel_in_progress_cancels_the_holder_and_a_cancelled_waiter_lets_go() -> None:
    groups = JobGroups()
    forever = asyncio.Event()
    holding: list[Group] = []
    changed = asyncio.Event()

    async def hold(group: Group) -> None:
        async with groups.hold(group):
            holding.append(group)
            changed.set()
            await forever.wait()

    holder = asyncio.create_task(hold(GROUP))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(hold(GROUP))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    cancelling = Group(name="deploy", is_cancelling=True)
    newcomer = asyncio.create_task(hold(cancelling))
    with pytest.raises(asyncio.CancelledError):
        await holder
    async with asyncio.timeout(5):
        while cancelling not in holding:  # the cancelled holder handed the group over
            changed.clear()
            await changed.wait()
    assert not newcomer.done() and holding == [GROUP, cancelling]  # the cancelled waiter never held it
    newcomer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await newcomer
    async with asyncio.timeout(1):
        async with groups.hold(GROUP):
            pass  # the group is free again
