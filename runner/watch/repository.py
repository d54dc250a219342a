"""One watched git repository, through one ``git.Repo`` kept open for the service's life.

Every method blocks (git subprocesses, GitPython's ``cat-file`` processes): the service
calls them in a worker thread, one call at a time per repository. A remote (``url``) is
fetched into baton's own bare mirror with forced refspecs, so a rewritten history there
is followed, never merged; credentials come from the user's git configuration (its
credential helpers) and are cut out of every message.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import BatonError

if TYPE_CHECKING:
    import git

NO_COMMIT = "0" * 40
WORKFLOWS = ".github/workflows"
MAX_COMMITS = 20
"""Commits listed in a push payload (GitHub's webhooks list at most 20, the newest)."""
FETCH_SECONDS = 120.0
"""The longest one fetch of a remote may take."""
_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_WATCHED = ("refs/heads/", "refs/tags/")


class RepositoryError(BatonError):
    """A watched repository cannot be read or fetched (the message names the cause)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefHead:
    """Where one ref points."""

    sha: str
    """The object the ref names (an annotated tag's own object for such tags)."""
    commit: str | None
    """The commit it leads to; None for a tag of a tree or a blob."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitInfo:
    """One commit as a push payload lists it."""

    sha: str
    tree: str
    message: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    timestamp: str
    """ISO 8601, with the author's offset."""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The first line of the message."""
        return self.message.strip().partition("\n")[0].strip()


def without_credentials(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL cut out."""
    return _USERINFO.sub("", text)


class Repository:
    """One repository watched by the service: its refs, commits and workflow files."""

    def __init__(self, repo: git.Repo, *, location: str, url: str | None) -> None:
        self._repo = repo
        self._objects = threading.Lock()
        """GitPython reads objects through one ``git cat-file --batch`` process per repository,
        which answers one reader at a time: a poll and a dispatch read on two threads."""
        self._running: set[subprocess.Popen[bytes]] = set()
        """git commands going on (a fetch may hang on the network: closing kills them)."""
        self.location = location
        """What the user named: the path, or the URL (without credentials)."""
        self.url = url
        """The remote fetched into the mirror; None for a local path."""

    @classmethod
    def open_path(cls, path: Path) -> Repository:
        """A bare repository or a working copy on this machine."""
        import git

        if not path.exists():
            raise RepositoryError(f"{path} does not exist")
        try:
            repo = git.Repo(path)
        except git.InvalidGitRepositoryError:
            raise RepositoryError(f"{path} is not a git repository") from None
        except git.NoSuchPathError:
            raise RepositoryError(f"{path} does not exist") from None
        return cls(repo, location=str(path), url=None)

    @classmethod
    def open_mirror(cls, url: str, mirror: Path) -> Repository:
        """baton's own bare mirror of the remote ``url`` in ``mirror`` (made on first use; not fetched yet)."""
        import git

        try:
            if (mirror / "HEAD").is_file():
                repo = git.Repo(mirror)
            else:
                mirror.parent.mkdir(parents=True, exist_ok=True)
                repo = git.Repo.init(mirror, bare=True)
            with repo.config_writer() as config:
                config.set_value('remote "origin"', "url", url)
                config.set_value("gc", "auto", "0")  # fetches never stop for a repack
        except (git.GitError, OSError) as exc:
            raise RepositoryError(f"cannot prepare the mirror {mirror}: {without_credentials(str(exc))}") from None
        return cls(repo, location=without_credentials(url), url=url)

    def close(self) -> None:
        """End GitPython's ``cat-file`` processes, and any git command still going on
        (safe to call from another thread than the one running it)."""
        for process in list(self._running):
            process.kill()
        self._repo.close()

    def fetch(self) -> None:
        """Bring the mirror up to date with the remote (branches and tags, forced, pruned)."""
        if self.url is None:
            return
        self._run("fetch", "--quiet", "--prune", "--no-write-fetch-head", "origin", *_REFSPECS, timeout=FETCH_SECONDS)

    def refs(self) -> dict[str, RefHead]:
        """Every branch and tag."""
        listing = self._run(
            "for-each-ref", "--format=%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)%00%(refname)",
            *(prefix.rstrip("/") for prefix in _WATCHED),
        )
        heads: dict[str, RefHead] = {}
        for line in listing.splitlines():
            sha, kind, peeled, peeled_kind, ref = line.split("\0", 4)
            commit = sha if kind == "commit" else peeled if peeled_kind == "commit" else None
            heads[ref] = RefHead(sha=sha, commit=commit)
        return heads

    def default_branch(self, refs: dict[str, RefHead]) -> str | None:
        """The default branch (``refs/heads/main``): where HEAD points (a remote's own HEAD
        for a mirror), else ``main`` or ``master`` when they exist."""
        ref = None
        if self.url is not None:
            shown = self._try("ls-remote", "--symref", "origin", "HEAD", timeout=FETCH_SECONDS) or ""
            match = re.match(r"ref: (refs/heads/\S+)\tHEAD", shown)
            ref = match.group(1) if match else None
        else:
            ref = self._try("symbolic-ref", "-q", "HEAD")
        if ref and ref in refs:
            return ref
        return next((r for r in ("refs/heads/main", "refs/heads/master") if r in refs), ref)

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether ``older`` is an ancestor of ``newer`` (a push from one to the other is a fast-forward)."""
        return self._status("merge-base", "--is-ancestor", older, newer) == 0

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits, if any."""
        return self._try("merge-base", one, other)

    def changed_paths(self, before: str, after: str) -> tuple[str, ...]:
        """Files that differ between two commits (a rename counts as both names)."""
        listing = self._run("diff", "--name-only", "--no-renames", "-z", before, after)
        return tuple(name for name in listing.split("\0") if name)

    def all_paths(self, commit: str) -> tuple[str, ...]:
        """Every file of a commit (what a push of a history with no base changes)."""
        listing = self._run("ls-tree", "-r", "--name-only", "-z", commit)
        return tuple(name for name in listing.split("\0") if name)

    def commits(self, revisions: list[str], limit: int = MAX_COMMITS) -> list[CommitInfo]:
        """The commits of ``git log REVISIONS``, oldest first, at most ``limit`` (the newest)."""
        listing = self._run(
            "log", "-z", "--no-renames", "--name-status", f"--max-count={limit}",
            "--format=%x1e%H%x1f%T%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%aI%x1f%B%x1f", *revisions, "--",
        )  # fmt: skip
        return list(reversed([_commit(chunk) for chunk in listing.split("\x1e") if chunk.strip("\0\n")]))

    def commit(self, sha: str) -> CommitInfo:
        """One commit (without its file lists)."""
        found = self.commits(["--no-walk", sha], limit=1)
        if not found:
            raise RepositoryError(f"commit {sha} is not in {self.location}")
        return found[0]

    def workflow_files(self, commit: str, max_bytes: int, folder: str = WORKFLOWS) -> list[tuple[str, bytes | int]]:
        """``(path, content)`` of each ``*.yml|yaml`` of ``folder`` in the commit's tree
        (git objects, not the checked-out files), by path; a file larger than ``max_bytes``
        gives its size instead, unread."""
        import git

        with self._objects:
            try:
                files = self._repo.commit(commit).tree / folder
                if not isinstance(files, git.Tree):  # a file where the folder should be: no workflows
                    return []
                return [
                    (str(item.path), item.size if item.size > max_bytes else item.data_stream.read())
                    for item in sorted(files, key=lambda i: str(i.path))
                    if item.type == "blob" and item.name.endswith((".yml", ".yaml"))
                ]
            except KeyError:
                return []
            except (git.GitError, ValueError) as exc:
                raise RepositoryError(f"cannot read commit {commit} of {self.location}: {exc}") from None

    # --- git ---------------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 60.0) -> str:
        result = self._git(args, timeout)
        if result.returncode != 0:
            detail = os.fsdecode(result.stderr).strip().splitlines()
            reason = without_credentials(detail[-1] if detail else f"exit status {result.returncode}")
            raise RepositoryError(f"git {args[0]} failed in {self.location}: {reason.removeprefix('fatal: ')}")
        return os.fsdecode(result.stdout)

    def _try(self, *args: str, timeout: float = 60.0) -> str | None:
        result = self._git(args, timeout)
        return os.fsdecode(result.stdout).strip() if result.returncode == 0 else None

    def _status(self, *args: str) -> int:
        return self._git(args, 60.0).returncode

    def _git(self, args: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess[bytes]:
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
        command = ["git", "--git-dir", str(self._repo.git_dir), *args]
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
            )
        except OSError as exc:
            raise RepositoryError(f"cannot run git: {exc.strerror or exc}") from None
        self._running.add(process)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RepositoryError(f"git {args[0]} took more than {timeout:g} s in {self.location}") from None
        finally:
            self._running.discard(process)
        return subprocess.CompletedProcess(command, process.returncode, out, err)


def _commit(chunk: str) -> CommitInfo:
    sha, tree, author, author_email, committer, committer_email, timestamp, message, tail = chunk.split("\x1f", 8)
    names = tail.lstrip("\0\n").split("\0")
    changes: dict[str, list[str]] = {"A": [], "D": [], "M": []}
    for status, path in zip(names[::2], names[1::2]):
        changes.get(status[:1], changes["M"]).append(path)
    return CommitInfo(
        sha=sha.strip("\0\n"), tree=tree, message=message, author_name=author, author_email=author_email,
        committer_name=committer, committer_email=committer_email, timestamp=timestamp,
        added=tuple(changes["A"]), removed=tuple(changes["D"]), modified=tuple(changes["M"]),
    )  # fmt: skip
