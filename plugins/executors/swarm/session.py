"""A job's steps in its task's container, through the engine of the node it runs on.

The docker executor's session does the work (one exec per step; files in the job's volumes
directly when they are on this machine, else through the archive API); this one adds the
container's own variables on every exec (the service spec never holds them) and
``hashFiles`` where the volumes are on another machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import posixpath
import tarfile
from collections.abc import Callable, Sequence
from typing import Any

from plugins.executors.docker.api import EngineError, NotFound
from plugins.executors.docker.session import DockerSession, get_archive
from runner.api import Command, ExecutorError, Outcome, OutputSink


class TaskSession(DockerSession):
    """A running task's container, ready for steps (see :class:`runner.api.Session`)."""

    def __init__(self, *, env: dict[str, str], **fields: Any) -> None:
        super().__init__(**fields)
        self._env = env

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` as one exec, with the container's variables under its own."""
        return await super().execute(dataclasses.replace(command, env={**self._env, **command.env}), output)

    def hash_files(self, roots: Sequence[str], is_wanted: Callable[[str], bool]) -> dict[str, bytes]:
        """SHA-256 digests of the regular files under ``roots`` (workspace-relative) whose
        path ``is_wanted`` accepts: one archive of each root, hashed here (blocking)."""
        digests: dict[str, bytes] = {}
        for root in roots or ("",):
            absolute = posixpath.normpath(posixpath.join(self.workspace, root or "."))
            try:
                data = get_archive(self._client, self.container, absolute)
            except NotFound:
                continue
            except EngineError as exc:
                raise ExecutorError(f"hashFiles failed in the job container: {exc.message}") from exc
            parent = posixpath.dirname(absolute)
            with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
                for member in tar:
                    name = posixpath.relpath(posixpath.join(parent, member.name), self.workspace)
                    if not member.isfile() or name.startswith("../") or not is_wanted(name):
                        continue
                    content = tar.extractfile(member)
                    if content is not None:
                        digests[name] = hashlib.sha256(content.read()).digest()
        return dict(sorted(digests.items()))
