"""``actions/cache``, ``actions/cache/restore`` and ``actions/cache/save``, natively, over
the repository's cache in the baton home (:class:`runner.api.CacheStore`): restored and
saved through the session, so they work on every executor, offline.

Matching is GitHub's: the exact ``key`` (then ``cache-hit`` is ``true``), else the newest
entry whose key starts with ``key``, then with each of ``restore-keys`` in order; only
entries saved with the same ``path`` lines count. ``actions/cache`` saves in its post
step when the job succeeded and the key was not hit exactly.
"""

from __future__ import annotations

import asyncio
import shutil
from contextlib import AsyncExitStack

from plugins.actions.workspace_files import OutsideWorkspace, compile_lines, gather, path_lines
from runner.api import (ActionCall, ActionResult, CacheError, CacheStore, NativeAction, OverLimit, Session,
                        cache_version, check_cache_key, hookimpl, human_size)


class Cache:
    """``actions/cache``: restore now, save in the post step."""

    names: tuple[str, ...] = ("actions/cache",)
    post_if = "success()"

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Restore the best matching entry into the workspace."""
        return await restore(call, session)

    async def post(self, call: ActionCall, session: Session) -> ActionResult:
        """Save the paths under the key, unless the key was hit exactly."""
        key = call.state.get("key", "")
        if not key:
            return ActionResult(is_success=True)  # the main step stopped before reading its key
        if call.state.get("matched") == key:
            call.output(f"Cache hit occurred on the primary key {key}, not saving cache.\n".encode())
            return ActionResult(is_success=True)
        return await save(call, session, key)


class CacheRestore:
    """``actions/cache/restore``: restore only."""

    names: tuple[str, ...] = ("actions/cache/restore",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Restore the best matching entry into the workspace."""
        return await restore(call, session)


class CacheSave:
    """``actions/cache/save``: save only, now."""

    names: tuple[str, ...] = ("actions/cache/save",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Save the paths under ``key``."""
        return await save(call, session, check_cache_key(call.inputs.get("key", "").strip()))


def _store(call: ActionCall) -> CacheStore:
    if call.home is None:
        raise CacheError("this run keeps no cache (it has no baton home)")
    limit = call.settings.get("cache-size-limit")
    repository = str(call.github.get("repository", "")) or "local"
    return CacheStore(call.home, repository, **({"limit": limit} if isinstance(limit, int) else {}))


def _lines(call: ActionCall, session: Session) -> list[str]:
    try:
        lines = path_lines(call.inputs.get("path", ""), session.workspace, setting="path")
    except OutsideWorkspace as exc:
        raise CacheError(str(exc)) from None
    if not any(not line.startswith("!") for line in lines):
        raise CacheError("path: no path to cache was given (input 'path' is required)")
    return lines


async def restore(call: ActionCall, session: Session) -> ActionResult:
    """Find and (unless ``lookup-only``) restore; the outputs and the state for a post step."""
    inputs, say = call.inputs, call.output
    key = check_cache_key(inputs.get("key", "").strip())
    restore_keys = [check_cache_key(line.strip(), "restore-keys") for line in inputs.get("restore-keys", "").splitlines()
                    if line.strip()]
    lines = _lines(call, session)
    store = _store(call)
    entry = await asyncio.to_thread(store.lookup, key, restore_keys, cache_version(lines))
    outputs = {"cache-primary-key": key}
    if entry is None:
        if _flag(inputs, "fail-on-cache-miss"):
            raise CacheError(f"Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: {key}")
        say(f"Cache not found for input keys: {', '.join([key, *restore_keys])}\n".encode())
        return ActionResult(is_success=True, outputs=outputs, state={"key": key})
    outputs.update({"cache-hit": "true" if entry.key == key else "false", "cache-matched-key": entry.key})
    if _flag(inputs, "lookup-only"):
        say(f"Cache found and can be restored from key: {entry.key}\n".encode())
    else:
        async with AsyncExitStack() as stack:
            folder = await asyncio.to_thread(stack.enter_context, store.reading(entry))  # blocks while a save commits
            await session.upload(folder, session.workspace)
        say(f"Cache restored from key: {entry.key} ({entry.files} files, {human_size(entry.size)})\n".encode())
    return ActionResult(is_success=True, outputs=outputs, state={"key": key, "matched": entry.key})


async def save(call: ActionCall, session: Session, key: str) -> ActionResult:
    """Gather the paths aside and put them in the cache as ``key`` in one rename; an entry over
    the size limit is refused with both sizes, and nothing of it is kept."""
    say = call.output
    lines = _lines(call, session)
    store = _store(call)
    staging = await asyncio.to_thread(store.new_entry)
    try:
        files = await gather(session, compile_lines(lines, session.workspace), store.files_of(staging), say)
        if not files:
            say(b"::warning::Path Validation Error: Path(s) specified in the action for caching do(es) not exist, "
                b"hence no cache is being saved.\n")
            return ActionResult(is_success=True)
        try:
            entry, evicted = await asyncio.to_thread(store.commit, staging, key=key, version=cache_version(lines))
        except OverLimit as exc:
            say(f"::warning::{exc}\n".encode())
            return ActionResult(is_success=True)
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)  # gone already once committed
    for line in evicted:
        say(f"{line}\n".encode())
    if entry is None:
        say(f"::warning::Failed to save: Unable to reserve cache with key {key}, another job may be creating this cache.\n".encode())
    else:
        say(f"Cache saved with key: {key} ({entry.files} files, {human_size(entry.size)})\n".encode())
    return ActionResult(is_success=True)


def _flag(inputs: dict[str, str], name: str) -> bool:
    return inputs.get(name, "").strip().lower() == "true"


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in cache actions."""
    return [Cache(), CacheRestore(), CacheSave()]
