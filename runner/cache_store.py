"""The dependency cache (``actions/cache``): entries shared by the runs of one repository.

Layout: ``<home>/caches/<repository>/entries/<id>/`` holding ``entry.json`` (key,
version, size, when made) and ``files/`` (the cached paths, workspace-relative); the
mtime of ``entries/<id>/used`` says when the entry was last restored, for
least-recently-used eviction. A save is built under ``.aside/`` without any lock, then
put in place under an exclusive lock that also evicts what the size limit requires; a
restore holds a shared lock while it copies, so no entry disappears under a reader.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from runner.atomic import aside, human_size, locked, read_json, remove_aside, remove_stale, tree_size, write_json
from runner.errors import BatonError

FOLDER = "caches"
DEFAULT_LIMIT = 10 * 1000**3
"""GitHub's limit per repository: 10 GB."""
MAX_KEY_LENGTH = 512
_META = "entry.json"
_USED = "used"
_FILES = "files"


class CacheError(BatonError):
    """A cache key GitHub would refuse, or an entry that cannot be stored."""


def check_key(key: str, what: str = "key") -> str:
    """``key`` if GitHub accepts it as a cache key (at most 512 characters, no comma)."""
    if not key:
        raise CacheError(f"{what}: a cache key may not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise CacheError(f"{what}: '{key[:40]}…' is {len(key)} characters; a cache key has at most {MAX_KEY_LENGTH}")
    if "," in key:
        raise CacheError(f"{what}: '{key}' contains a comma, which a cache key may not")
    return key


def cache_version(paths: Sequence[str]) -> str:
    """What besides the key an entry must match: the paths it holds (as GitHub's version)."""
    return hashlib.sha256("\n".join(paths).encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheEntry:
    """One saved cache."""

    key: str
    version: str
    size: int
    files: int
    created: float
    used: float
    folder: Path
    """Its files on this machine, workspace-relative."""


class OverLimit(CacheError):
    """An entry larger than the whole cache may hold."""


class CacheStore:
    """The cache of one repository under a baton home, at most ``limit`` bytes."""

    def __init__(self, home: Path, repository: str, *, limit: int = DEFAULT_LIMIT) -> None:
        self.root = home / FOLDER / quote(repository.lower(), safe="-_.")
        self.limit = limit
        self._lock = self.root / ".lock"

    def lookup(self, key: str, restore_keys: Sequence[str], version: str) -> CacheEntry | None:
        """The entry ``key`` names exactly; else the newest whose key starts with ``key``,
        then with each of ``restore_keys`` in turn; only entries of ``version`` count."""
        entries = [entry for entry in self.entries() if entry.version == version]
        exact = [entry for entry in entries if entry.key == key]
        if exact:
            return max(exact, key=lambda entry: entry.created)
        for prefix in (key, *restore_keys):
            matching = [entry for entry in entries if entry.key.startswith(prefix)]
            if matching:
                return max(matching, key=lambda entry: entry.created)
        return None

    @contextmanager
    def reading(self, entry: CacheEntry) -> Iterator[Path]:
        """The entry's files, kept in place for the block (a save cannot evict them meanwhile);
        marks the entry used."""
        with locked(self._lock, is_shared=True):
            if not entry.folder.is_dir():
                raise CacheError(f"the cache entry '{entry.key}' was removed meanwhile")
            os.utime(entry.folder.parent / _USED)
            yield entry.folder

    def new_entry(self) -> Path:
        """A fresh folder to gather a save's files in (under ``files/``): pass it to :meth:`commit`."""
        staging = aside(self.root / ".aside", "save-")
        (staging / _FILES).mkdir(mode=0o700)
        return staging

    def files_of(self, staging: Path) -> Path:
        """Where a save's files go in its ``staging`` folder."""
        return staging / _FILES

    def commit(self, staging: Path, *, key: str, version: str) -> tuple[CacheEntry | None, list[str]]:
        """Put the save in ``staging`` in place as ``key`` (evicting the least recently used
        entries the limit requires); returns it (None when ``key`` was saved meanwhile, as
        GitHub keeps the first) and a line per evicted entry. An entry over the whole limit
        raises :class:`OverLimit` with both sizes. ``staging`` is gone afterwards."""
        try:
            size, files = tree_size(staging / _FILES)
            if size > self.limit:
                raise OverLimit(f"the cache '{key}' is {human_size(size)}, over the cache size limit of "
                                f"{human_size(self.limit)}; not saved")
            now = time.time()
            write_json(staging / _META, {"key": key, "version": version, "size": size, "files": files, "created": now})
            (staging / _USED).touch()
            with locked(self._lock):
                entries = self.entries()
                if any(entry.key == key and entry.version == version for entry in entries):
                    return None, []
                evicted = self._evict(entries, size)
                (self.root / "entries").mkdir(exist_ok=True, mode=0o700)
                final = self.root / "entries" / os.urandom(16).hex()
                os.rename(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        entry = self._read(final)
        assert entry is not None, "just written"
        return entry, evicted

    def entries(self) -> list[CacheEntry]:
        """Every entry, oldest first."""
        try:
            folders = list((self.root / "entries").iterdir())
        except OSError:
            return []
        found = [entry for folder in folders if (entry := self._read(folder)) is not None]
        return sorted(found, key=lambda entry: entry.created)

    def _evict(self, entries: list[CacheEntry], incoming: int) -> list[str]:
        total = sum(entry.size for entry in entries)
        evicted: list[str] = []
        for entry in sorted(entries, key=lambda entry: entry.used):
            if total + incoming <= self.limit:
                break
            remove_aside(entry.folder.parent, self.root / ".aside")
            total -= entry.size
            evicted.append(f"evicted the cache '{entry.key}' ({human_size(entry.size)}, least recently used)")
        return evicted

    def _read(self, folder: Path) -> CacheEntry | None:
        meta = read_json(folder / _META)
        if meta is None:
            return None
        try:
            used = (folder / _USED).stat().st_mtime
        except OSError:
            return None
        size, files, created = meta.get("size"), meta.get("files"), meta.get("created")
        if not isinstance(size, int) or not isinstance(files, int) or not isinstance(created, (int, float)):
            return None
        return CacheEntry(key=str(meta.get("key")), version=str(meta.get("version")), size=size, files=files,
                          created=float(created), used=used, folder=folder / _FILES)


def remove_stale_saves(home: Path, now: float | None = None) -> list[str]:
    """Remove the saves under ``home``'s caches that a killed process left half-written
    (a day old); a line for each."""
    moment = time.time() if now is None else now
    removed: list[str] = []
    for aside_folder in sorted((home / FOLDER).glob("*/.aside")):
        removed.extend(f"a half-written cache save ({path.name}) of {aside_folder.parent.name}"
                       for path in remove_stale(aside_folder, moment))
    return removed
