"""``actions/setup-go``, natively when the job's environment already has a Go that
satisfies ``go-version`` (or ``go-version-file``); else the real action runs."""

from __future__ import annotations

import posixpath
import re

from plugins.actions.toolchain import Request, decide, first_line, found_it, probe, read_version_file, requested
from plugins.actions.toolchain import tool_versions_entry
from plugins.actions.versions import parse_version
from runner.api import ActionCall, ActionResult, NativeAction, Session, hookimpl

_PROBE = 'p=$(command -v go) && echo "$p" && "$p" env GOVERSION GOROOT GOPATH'


class SetupGo:
    """Uses the job's Go when it satisfies the request."""

    names: tuple[str, ...] = ("actions/setup-go",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Outputs ``go-version``; ``GOROOT/bin`` and ``GOPATH/bin`` go first on ``PATH``."""
        request = requested(call, "go-version")
        if request is None and call.inputs.get("go-version-file", "").strip():
            request = await read_version_file(call, session, "go-version-file", _version_in_file)
        lines = await probe(call, session, _PROBE)
        executable, version, root, gopath = lines[:4] if lines and len(lines) >= 4 else ("", "", "", "")
        shown = version.removeprefix("go")
        reason = decide("go", parse_version(shown) if shown else None, shown, request or Request(spec="", source=""))
        if reason:
            return ActionResult(is_success=True, declined=reason)
        return found_it(call, "Go", shown, executable, request, outputs={"go-version": shown},
                        path=(posixpath.join(root, "bin"), posixpath.join(gopath, "bin")))


def _version_in_file(name: str, text: str) -> str:
    """The spec of ``go.mod`` (its ``toolchain``, else its ``go`` line), ``go.work``,
    ``.go-version`` or ``.tool-versions``."""
    if name == ".tool-versions":
        return tool_versions_entry(text, "golang")
    if name in ("go.mod", "go.work"):
        toolchain = re.search(r"^toolchain\s+go(\S+)", text, re.MULTILINE)
        directive = re.search(r"^go\s+(\S+)", text, re.MULTILINE)
        found = toolchain or directive
        return found[1] if found else ""
    return first_line(text)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in setup-go."""
    return [SetupGo()]
