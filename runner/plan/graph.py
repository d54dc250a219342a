"""The job dependency graph: order and levels. Cycles were rejected at validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def topological_order(needs: Mapping[str, Sequence[str]]) -> list[str]:
    """Jobs ordered so each comes after its needs; ties keep the mapping's order."""
    position = {job: i for i, job in enumerate(needs)}
    waiting = {job: {n for n in deps if n in needs} for job, deps in needs.items()}
    order: list[str] = []
    ready = sorted((j for j, w in waiting.items() if not w), key=position.__getitem__)
    while ready:
        job = ready.pop(0)
        order.append(job)
        released = []
        for other, deps in waiting.items():
            if job in deps:
                deps.discard(job)
                if not deps:
                    released.append(other)
        ready = sorted(ready + released, key=position.__getitem__)
    return order


def levels(needs: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Jobs grouped by depth: level 0 needs nothing, level n needs something of level n-1."""
    depth: dict[str, int] = {}
    for job in topological_order(needs):
        depth[job] = 1 + max((depth[n] for n in needs[job] if n in depth), default=-1)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for job in needs:
        if job in depth:
            out[depth[job]].append(job)
    return out
