"""Remote actions' repositories, fetched with git and cached in ``BATON_HOME`` by commit.

Layout under the cache folder::

    <owner>/<repo>/<commit>/     the files at that commit (no .git): one complete entry
    <owner>/<repo>/refs/<ref>    the commit a branch or tag last resolved to (offline mode reads it)

An entry is fetched into a temporary folder beside it and renamed into place, so a fetch
cut off half-way, or two processes fetching the same commit at once, never leave a half
entry: the first rename wins and the other fetch is dropped. Within one run each
repository and ref is resolved and fetched once, however many jobs use it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from runner.confinement import is_inside
from runner.engine.fetcher import FetchedRepository, FetchError
from runner.process import is_process_alive
from runner.workflow.action_ref import ActionRef

ACTIONS_FOLDER = "actions"
"""The cache's folder inside ``BATON_HOME``."""
DEFAULT_SOURCE = "https://github.com"
"""Where actions come from unless ``--actions-source`` or ``[actions] source`` says otherwise."""
GIT_TIMEOUT_SECONDS = 300.0
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/\s]+@[^/\s]+:")
_FETCHING = ".fetch-"
"""The prefix of a fetch in progress (``.fetch-<pid>-<commit>-XXXX``) beside the entries."""
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GIT_CONFIG_NOSYSTEM": "1"}


class GitActionFetcher:
    """An :class:`~runner.engine.fetcher.ActionFetcher` over git, for one run."""

    def __init__(self, *, source: str, cache: Path, is_offline: bool = False) -> None:
        self.source = source
        """A base URL (``owner/repo`` is appended) or a folder of ``owner/repo[.git]`` repositories."""
        self.cache = cache
        self.is_offline = is_offline
        """Use only what the cache holds (``--action-offline-mode``)."""
        self._fetches: dict[tuple[str, str], asyncio.Future[FetchedRepository]] = {}

    async def fetch(self, ref: ActionRef) -> FetchedRepository:
        """``ref``'s repository at its ref, from the cache or fetched into it (once per run)."""
        key = (ref.repository.lower(), ref.ref)
        future = self._fetches.get(key)
        if future is None:
            future = asyncio.ensure_future(asyncio.to_thread(self._fetch, ref))
            self._fetches[key] = future
        return await asyncio.shield(future)

    def _fetch(self, ref: ActionRef) -> FetchedRepository:
        folder = self.cache / ref.owner.lower() / ref.repo.lower()
        if ref.is_commit:
            commit = ref.ref
        elif self.is_offline:
            commit = _read_ref(folder, ref)
        else:
            commit = self._resolve(ref)
        entry = folder / commit
        if entry.is_dir():
            return FetchedRepository(folder=entry, commit=commit)
        if self.is_offline:
            raise FetchError(f"'{ref}': {ref.repository} at {commit} is not in the action cache ({self.cache}), "
                             "and --action-offline-mode fetches nothing")
        self._download(ref, commit, folder)
        if not ref.is_commit:
            _write_ref(folder, ref.ref, commit)
        return FetchedRepository(folder=entry, commit=commit)

    def _location(self, ref: ActionRef) -> str:
        """What git fetches ``ref``'s repository from."""
        if _URL.match(self.source):
            return f"{self.source.rstrip('/')}/{ref.owner}/{ref.repo}"
        base = Path(self.source).expanduser()
        for candidate in (base / ref.owner / f"{ref.repo}.git", base / ref.owner / ref.repo):
            if candidate.is_dir():
                return str(candidate.resolve())
        raise FetchError(f"'{ref}': there is no repository {ref.repository} in {base} "
                         f"(looked for {ref.repository}.git and {ref.repository})")

    def _resolve(self, ref: ActionRef) -> str:
        """The commit a branch or tag names now; a short SHA is refused, as GitHub refuses it."""
        location = self._location(ref)
        listing = _git(["ls-remote", "--", location], what=f"'{ref}': listing the refs of {location}")
        refs: dict[str, str] = {}
        for line in listing.splitlines():
            sha, _, name = line.partition("\t")
            refs[name] = sha
        names = [f"refs/tags/{ref.ref}^{{}}", f"refs/tags/{ref.ref}", f"refs/heads/{ref.ref}"]
        for name in [*names, ref.ref] if ref.ref.startswith("refs/") else names:
            if name in refs:
                return refs[name]
        if ref.looks_short_sha:
            raise FetchError(
                f"Unable to resolve action '{ref}': the provided ref '{ref.ref}' is the shortened version of a "
                "commit SHA, which is not supported; use the full commit SHA instead"
            )
        raise FetchError(f"Unable to resolve action '{ref}': {ref.repository} has no branch or tag '{ref.ref}' (at {location})")

    def _download(self, ref: ActionRef, commit: str, folder: Path) -> None:
        """Fetch ``commit``'s files into ``folder/<commit>``, all or nothing."""
        location = self._location(ref)
        folder.mkdir(parents=True, exist_ok=True)
        aside = Path(tempfile.mkdtemp(prefix=f"{_FETCHING}{os.getpid()}-{commit[:12]}-", dir=folder))
        try:
            git_dir, files = aside / "git", aside / "files"
            files.mkdir()
            _git(["init", "-q", "--bare", str(git_dir)], what=f"'{ref}': preparing a fetch")
            _git(["--git-dir", str(git_dir), "fetch", "-q", "--depth", "1", "--", location, commit],
                 what=f"'{ref}': fetching {commit} from {location}")
            _git(["--git-dir", str(git_dir), "--work-tree", str(files), "checkout", "-q", "-f", commit, "--", "."],
                 what=f"'{ref}': checking out {commit}")
            _check_links(files, ref)
            try:
                os.rename(files, folder / commit)
            except OSError:
                if not (folder / commit).is_dir():  # not another process's complete entry: a real failure
                    raise
        except OSError as exc:
            raise FetchError(f"'{ref}': cannot store it in the action cache: {exc.strerror or exc}") from None
        finally:
            shutil.rmtree(aside, ignore_errors=True)


def remove_stale_fetches(cache: Path) -> list[str]:
    """Remove the folders of fetches whose process died (killed half-way); what was removed."""
    removed: list[str] = []
    for folder in cache.glob(f"*/*/{_FETCHING}*"):
        pid = folder.name[len(_FETCHING) :].partition("-")[0]
        if pid.isdigit() and not is_process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"folder {folder}")
    return removed


def _check_links(files: Path, ref: ActionRef) -> None:
    """Refuse an action whose links lead outside it (host-path rule: its links stay inside)."""
    for root, folders, names in os.walk(files):
        for name in [*folders, *names]:
            path = Path(root, name)
            if path.is_symlink() and not is_inside(files, path):
                shown = path.relative_to(files)
                raise FetchError(f"'{ref}': {shown} is a symbolic link to {os.readlink(path)}, outside the action; "
                                 "baton runs no action whose links lead outside it")


def _ref_file(folder: Path, ref: str) -> Path:
    return folder / "refs" / (ref.replace("%", "%25").replace("/", "%2F"))


def _read_ref(folder: Path, ref: ActionRef) -> str:
    try:
        commit = _ref_file(folder, ref.ref).read_text().strip()
    except OSError:
        raise FetchError(f"'{ref}': --action-offline-mode uses only the action cache, and it has never "
                         f"fetched {ref.repository} at '{ref.ref}'") from None
    return commit


def _write_ref(folder: Path, ref: str, commit: str) -> None:
    path = _ref_file(folder, ref)
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.urandom(16).hex()}")
    aside.write_text(commit + "\n")
    os.replace(aside, path)


def _git(args: list[str], *, what: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS,
            env={**os.environ, **_GIT_ENV}, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise FetchError(f"{what}: git gave no answer in {GIT_TIMEOUT_SECONDS:g} s") from None
    except OSError as exc:
        raise FetchError(f"{what}: cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[-400:] or f"git exited with {done.returncode}"
        raise FetchError(f"{what}: {detail}")
    return done.stdout
