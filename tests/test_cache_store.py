"""The repository cache on disk: matching, limits, eviction, and writers in several processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from runner.cache_store import CacheError, CacheStore, OverLimit, cache_version, check_key, remove_stale_saves

VERSION = cache_version(["deps"])


def save(store: CacheStore, key: str, size: int = 10, version: str = VERSION) -> None:
    staging = store.new_entry()
    (store.files_of(staging) / "deps").mkdir()
    (store.files_of(staging) / "deps" / "f").write_bytes(b"x" * size)
    store.commit(staging, key=key, version=version)


def test_exact_key_then_prefixes_of_key_then_restore_keys_newest_first(tmp_path: Path) -> None:
    store = CacheStore(tmp_path, "o/r")
    for key in ("linux-deps-a", "linux-deps-b", "linux-old", "other-1"):
        save(store, key)
    save(store, "linux-deps-c", version=cache_version(["elsewhere"]))  # other paths: never matches
    assert store.lookup("linux-deps-a", [], VERSION).key == "linux-deps-a"  # type: ignore[union-attr]
    assert store.lookup("linux-deps-", [], VERSION).key == "linux-deps-b"  # type: ignore[union-attr]
    assert store.lookup("linux-deps-z", ["nope-", "linux-", "other-"], VERSION).key == "linux-old"  # type: ignore[union-attr]
    assert store.lookup("zzz", ["other-"], VERSION).key == "other-1"  # type: ignore[union-attr]
    assert store.lookup("zzz", ["yyy"], VERSION) is None
    assert CacheStore(tmp_path, "o/other").lookup("linux-deps-a", [], VERSION) is None, "caches belong to a repository"


def test_the_limit_evicts_the_least_recently_restored_and_refuses_an_entry_larger_than_it(tmp_path: Path) -> None:
    store = CacheStore(tmp_path, "o/r", limit=250)
    save(store, "a", 100)
    save(store, "b", 100)
    entry = store.lookup("a", [], VERSION)
    assert entry is not None
    old = time.time() - 60
    os.utime(store.lookup("b", [], VERSION).folder.parent / "used", (old, old))  # type: ignore[union-attr]
    with store.reading(entry) as folder:
        assert (folder / "deps" / "f").read_bytes() == b"x" * 100
    save(store, "c", 100)
    assert sorted(e.key for e in store.entries()) == ["a", "c"]
    with pytest.raises(OverLimit, match="the cache 'd' is 300 B, over the cache size limit of 250 B; not saved"):
        save(store, "d", 300)
    assert sorted(e.key for e in store.entries()) == ["a", "c"]
    assert list((store.root / ".aside").iterdir()) == []


def _save_in_a_process(home: str, key: str) -> None:
    save(CacheStore(Path(home), "o/r", limit=10_000), key, 1000)


def test_processes_saving_at_once_keep_one_entry_per_key_and_the_limit(tmp_path: Path) -> None:
    keys = ["same"] * 4 + [f"k{i}" for i in range(12)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.starmap(_save_in_a_process, [(str(tmp_path), key) for key in keys])
    entries = CacheStore(tmp_path, "o/r").entries()
    assert [e.key for e in entries].count("same") <= 1
    assert sum(e.size for e in entries) <= 10_000
    assert all((e.folder / "deps" / "f").stat().st_size == 1000 for e in entries), "no entry is half written"


def test_a_save_that_died_is_never_seen_and_gc_removes_it_after_a_day(tmp_path: Path) -> None:
    store = CacheStore(tmp_path, "o/r")
    staging = store.new_entry()
    (store.files_of(staging) / "half").write_bytes(b"x")
    assert store.entries() == [] and store.lookup("k", ["k"], VERSION) is None
    assert remove_stale_saves(tmp_path) == []
    assert remove_stale_saves(tmp_path, now=time.time() + 2 * 86400) == [f"a half-written cache save ({staging.name}) of o%2Fr"]
    assert not staging.exists()


@pytest.mark.parametrize(("key", "said"), [
    ("", "may not be empty"),
    ("a,b", "contains a comma"),
    ("k" * 513, "is 513 characters; a cache key has at most 512"),
])
def test_keys_github_refuses(key: str, said: str) -> None:
    with pytest.raises(CacheError, match=said):
        check_key(key)
