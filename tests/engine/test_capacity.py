"""The process's job slots: the process-wide limit, keyed limits (SSH hosts), a choice among
hosts, and why a job waits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack

from runner.engine.capacity import Capacity, host_key
from runner.engine.placement import Placement, PoolHost


async def test_a_job_takes_the_least_loaded_free_host_or_waits_saying_why() -> None:
    capacity = Capacity(8, limits={host_key("a"): 2, host_key("b"): 1})
    hosts = [host_key("a"), host_key("b")]
    async with AsyncExitStack() as stack:
        chosen = [await stack.enter_async_context(capacity.slot(any_of=hosts)) for _ in range(3)]
        assert chosen == [host_key("a"), host_key("b"), host_key("a")]
        said: list[str] = []
        waiting = asyncio.ensure_future(_hold(capacity, said, any_of=hosts))
        named = asyncio.ensure_future(_hold(capacity, said, keys=[host_key("b")]))
        await asyncio.sleep(0)
        assert not waiting.done() and not named.done()
        assert said == ["waiting for a slot on a (2/2 busy) or b (1/1 busy)", "waiting for a slot on b (1/1 busy)"]
    assert await waiting in hosts and await named == host_key("b")
    assert capacity.busy(host_key("a")) == capacity.busy(host_key("b")) == 0


async def test_a_job_waiting_for_a_host_holds_no_process_slot() -> None:
    capacity = Capacity(1, limits={host_key("a"): 1})
    async with capacity.slot([host_key("a")]):
        pass
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(capacity.slot([host_key("a")]))
        blocked = asyncio.ensure_future(_hold(capacity, [], keys=[host_key("a")]))
        await asyncio.sleep(0)
        assert not blocked.done()
    assert await blocked == host_key("a")
    async with capacity.slot():  # unbounded keys and no keys take only the process's slot
        other = asyncio.ensure_future(_hold(capacity, [], keys=["host:elsewhere"]))
        await asyncio.sleep(0)  # it runs up to its wait for the process's slot
        assert not other.done()
    await other


async def _hold(capacity: Capacity, said: list[str], *, keys: Sequence[str] = (), any_of: Sequence[str] = ()) -> str | None:
    async with capacity.slot(keys, any_of=any_of, on_wait=said.append) as chosen:
        await asyncio.sleep(0)
        return chosen if chosen is not None else (keys[0] if keys else None)


def test_placement_limits_are_the_hosts_capacities_and_one_for_an_ad_hoc_target() -> None:
    placement = Placement.build(container_executor=None, images={"ubuntu-latest": "ssh://me@10.0.0.9"},
                                hosts=[PoolHost(executor="ssh", name="gpu-1", labels=frozenset({"gpu", "gpu-1", "self-hosted"}), capacity=3)])
    assert placement.limits() == {host_key("me@10.0.0.9"): 1, host_key("gpu-1"): 3}
    target = placement.resolve(["self-hosted", "gpu"])
    assert target is not None and target.hosts == ("gpu-1",) and target.host is None
