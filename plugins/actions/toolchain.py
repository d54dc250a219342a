"""What the ``setup-*`` actions share: find a tool in the job's environment, read a
version file of the workspace, and decide whether what was found satisfies the request.

When it does, the action succeeds at once with the outputs and ``PATH`` the real action
would give; when it does not (or the request is not a plain version spec), the action
declines (:attr:`runner.api.ActionResult.declined`) and the real action runs instead.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plugins.actions.versions import satisfies
from plugins.actions.workspace_files import OutsideWorkspace, path_lines
from runner.api import ActionCall, ActionError, ActionResult, Command, MissingPathError, Session


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """The version an action was asked for, and where that came from (for messages)."""

    spec: str
    """Empty: any version will do."""
    source: str
    """``python-version``, ``.python-version``, …"""


async def probe(call: ActionCall, session: Session, script: str) -> list[str] | None:
    """The output lines of ``sh -c script`` in the session (the job's env and ``PATH``);
    None when it exits non-zero (the tool is not there)."""
    chunks: list[bytes] = []
    command = Command(argv=("sh", "-c", script), env=dict(call.env), path=call.path, cwd=session.workspace)
    outcome = await session.execute(command, chunks.append)
    if outcome.exit_code != 0:
        return None
    return [line.strip() for line in b"".join(chunks).decode(errors="replace").splitlines() if line.strip()]


async def read_version_file(call: ActionCall, session: Session, setting: str,
                            parse: Callable[[str, str], str]) -> Request:
    """The version named by the file input ``setting`` (read from the workspace through the
    session, ``parse(file name, text)`` picking the spec out); a missing file is an error."""
    given = call.inputs.get(setting, "").strip()
    try:
        relative = path_lines(given, session.workspace, setting=setting)[0]
    except OutsideWorkspace as exc:
        raise ActionError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="baton-version-") as folder:
        local = Path(folder, "file")
        try:
            await session.download(posixpath.join(session.workspace, relative), local)
        except MissingPathError:
            raise ActionError(f"{setting}: the file '{given}' does not exist in the workspace") from None
        if not local.is_file():
            raise ActionError(f"{setting}: '{given}' is not a file")
        text = local.read_text(errors="replace")
    return Request(spec=parse(posixpath.basename(relative), text).strip(), source=given)


def requested(call: ActionCall, version_input: str) -> Request | None:
    """The version of input ``version_input``, or None when it is empty (then a version
    file, or any version, decides)."""
    spec = call.inputs.get(version_input, "").strip()
    return Request(spec=spec, source=version_input) if spec else None


def tool_versions_entry(text: str, tool: str) -> str:
    """The version of ``tool`` in an asdf ``.tool-versions`` file ('' when absent)."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == tool:
            return words[1]
    return ""


def first_line(text: str) -> str:
    """The first line that is not empty or a comment (``.python-version``, ``.nvmrc``, …)."""
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped:
            return stripped
    return ""


def decide(tool: str, found: tuple[int, ...] | None, shown: str, request: Request) -> str:
    """Why the real action must run instead ('' when ``found`` satisfies ``request``)."""
    if found is None:
        return f"the job's environment has no {tool}"
    if "\n" in request.spec:
        return f"{request.source} asks for several versions ({', '.join(request.spec.split())})"
    if not request.spec:
        return ""
    verdict = satisfies(found, request.spec)
    if verdict is None:
        return f"{request.source} asks for '{request.spec}', which baton does not match natively"
    if not verdict:
        return f"the job's environment has {tool} {shown}, not '{request.spec}' ({request.source})"
    return ""


def found_it(call: ActionCall, tool: str, shown: str, where: str, request: Request | None, *,
             outputs: dict[str, str], env: dict[str, str] | None = None, path: tuple[str, ...] = ()) -> ActionResult:
    """The result of a satisfied request: a line saying what is used, outputs, env, ``PATH``."""
    asked = f", which satisfies '{request.spec}' ({request.source})" if request and request.spec else ""
    call.output(f"Using {tool} {shown} of the job's environment ({where}){asked}\n".encode())
    return ActionResult(is_success=True, outputs=outputs, env=env or {}, path=path)
