"""Artifacts of runs, kept with the run in the baton home until their retention ends.

Layout: ``<home>/artifacts/<run id>/<name>/`` holding ``artifact.json`` (what
:class:`Artifact` says) and ``files/`` (the uploaded tree). An upload is built in a
folder of its own under ``<run id>/.aside/`` and renamed into place (:mod:`runner.atomic`),
so a download never sees half an artifact and two jobs uploading one name at once
cannot mix their files.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from runner.atomic import aside, locked, read_json, remove_aside, remove_stale, tree_size, write_json
from runner.errors import BatonError

FOLDER = "artifacts"
"""The folder of the baton home that holds every run's artifacts."""
REFUSED_CHARACTERS = '"<>|*?:\\/\r\n'
"""What GitHub refuses in an artifact name (``/`` and ``\\`` too: a name is one segment)."""
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 90
_META = "artifact.json"
_FILES = "files"
_ASIDE = ".aside"


class ArtifactError(BatonError):
    """An artifact that cannot be stored or found (bad name, taken name, none of that name)."""


def check_name(name: str) -> str:
    """``name`` if GitHub would accept it as an artifact name; else :class:`ArtifactError` saying why."""
    if not name.strip():
        raise ArtifactError("the artifact name is empty")
    bad = sorted({char for char in name if char in REFUSED_CHARACTERS})
    if bad:
        shown = " ".join(repr(char) for char in bad)
        raise ArtifactError(f"the artifact name '{name}' contains {shown}; "
                            f"names may not contain any of: {' '.join(repr(c) for c in REFUSED_CHARACTERS)}")
    if ".." in name or name.strip() in {"."}:
        raise ArtifactError(f"the artifact name '{name}' contains '..'; a name may not lead out of its folder")
    return name


def retention_days(days: str) -> int:
    """``retention-days`` as a number of days (empty: the default of 90); 1 to 90."""
    text = days.strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    try:
        value = int(text)
    except ValueError:
        raise ArtifactError(f"retention-days: '{days}' is not a whole number of days") from None
    if not 1 <= value <= MAX_RETENTION_DAYS:
        raise ArtifactError(f"retention-days: {value} is not between 1 and {MAX_RETENTION_DAYS}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """One stored artifact."""

    run_id: str
    name: str
    job: str
    """The job key that uploaded it (the last one, for a merged v3 artifact)."""
    size: int
    """Bytes of its regular files."""
    files: int
    created: float
    expires: float
    """When ``baton gc`` may remove it (seconds since the epoch)."""
    folder: Path
    """Its files on this machine."""


class ArtifactStore:
    """The artifacts of every run under one baton home."""

    def __init__(self, home: Path) -> None:
        self.root = home / FOLDER

    def new_upload(self, run_id: str) -> Path:
        """A fresh folder for an upload: put its files in :meth:`files_of` it, then :meth:`commit` it."""
        return aside(self._run(run_id) / _ASIDE, "upload-")

    def files_of(self, staging: Path) -> Path:
        """Where an upload's files go in its ``staging`` folder (made by the caller)."""
        return staging / _FILES

    def commit(self, staging: Path, *, run_id: str, name: str, job: str, retention_days: int,
               is_merged: bool = False, is_overwritten: bool = False) -> Artifact:
        """Put the upload in ``staging`` in place as artifact ``name`` of ``run_id``.

        A name already taken is an :class:`ArtifactError`, unless ``is_overwritten`` (the
        old one goes) or ``is_merged`` (v3: the files join the old ones, a file of the same
        path replaced). The staging folder is gone afterwards in every case.
        """
        check_name(name)
        final = self._run(run_id) / name
        (staging / _FILES).mkdir(exist_ok=True, mode=0o700)
        now = time.time()
        try:
            with locked(self._run(run_id) / ".lock"):
                if final.exists() and is_merged:
                    _merge_files(staging / _FILES, final / _FILES)
                    shutil.rmtree(staging, ignore_errors=True)
                    staging = final
                elif final.exists() and not is_overwritten:
                    raise ArtifactError(
                        f"an artifact named '{name}' was already uploaded in this run; "
                        "artifacts cannot be changed once uploaded (give another name, or overwrite: true)"
                    )
                size, files = tree_size(staging / _FILES)
                write_json(staging / _META, {"name": name, "job": job, "size": size, "files": files,
                                             "created": now, "expires": now + retention_days * 86400})
                if staging != final:
                    if final.exists():
                        remove_aside(final, self._run(run_id) / _ASIDE)
                    os.rename(staging, final)
        finally:
            if staging != final:
                shutil.rmtree(staging, ignore_errors=True)
        found = self._read(run_id, final)
        assert found is not None, "just written"
        return found

    def find(self, run_id: str, name: str) -> Artifact | None:
        """Artifact ``name`` of ``run_id``, if stored."""
        check_name(name)
        return self._read(run_id, self._run(run_id) / name)

    def artifacts(self, run_id: str) -> list[Artifact]:
        """The artifacts of ``run_id``, by name."""
        try:
            entries = sorted(self._run(run_id).iterdir())
        except OSError:
            return []
        return [found for entry in entries if not entry.name.startswith(".")
                if (found := self._read(run_id, entry)) is not None]

    def remove_expired(self, now: float | None = None) -> list[str]:
        """Remove artifacts whose retention ended; a line for each removed."""
        moment = time.time() if now is None else now
        removed: list[str] = []
        for run_id, folder in self._runs():
            for artifact in self.artifacts(run_id):
                if artifact.expires <= moment:
                    remove_aside(artifact.folder.parent, folder / _ASIDE)
                    removed.append(f"artifact '{artifact.name}' of run {run_id} (retention ended)")
            remove_stale(folder / _ASIDE, moment)  # uploads that died half-way; live ones are kept
            if not any(folder.glob("[!.]*")) and not any(folder.glob(f"{_ASIDE}/*")):
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def _runs(self) -> Iterator[tuple[str, Path]]:
        try:
            folders = sorted(self.root.iterdir())
        except OSError:
            return
        for folder in folders:
            if folder.is_dir() and not folder.is_symlink():
                yield folder.name, folder

    def _run(self, run_id: str) -> Path:
        return self.root / quote(run_id, safe="-_.")

    def _read(self, run_id: str, folder: Path) -> Artifact | None:
        meta = read_json(folder / _META)
        if meta is None:
            return None
        def number(key: str) -> float:
            value = meta.get(key)
            return float(value) if isinstance(value, (int, float)) else 0.0
        return Artifact(run_id=run_id, name=str(meta.get("name", folder.name)), job=str(meta.get("job", "")),
                        size=int(number("size")), files=int(number("files")), created=number("created"),
                        expires=number("expires"), folder=folder / _FILES)


def _merge_files(source: Path, target: Path) -> None:
    """Move the files of ``source`` into ``target``, replacing those of the same path."""
    for folder, _dirs, names in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            os.replace(Path(folder, name), target / relative / name)
