"""``actions/setup-node``, natively when the job's environment already has a node that
satisfies ``node-version`` (or ``node-version-file``); else the real action runs."""

from __future__ import annotations

import json
import posixpath

from plugins.actions.toolchain import Request, decide, first_line, found_it, probe, read_version_file, requested
from plugins.actions.toolchain import tool_versions_entry
from plugins.actions.versions import parse_version
from runner.api import ActionCall, ActionResult, NativeAction, Session, hookimpl

_PROBE = 'p=$(command -v node) && echo "$p" && "$p" -p process.versions.node'


class SetupNode:
    """Uses the job's node when it satisfies the request."""

    names: tuple[str, ...] = ("actions/setup-node",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Outputs ``node-version`` (``v20.11.0``) and puts node's folder first on ``PATH``."""
        request = requested(call, "node-version")
        if request is None and call.inputs.get("node-version-file", "").strip():
            request = await read_version_file(call, session, "node-version-file", _version_in_file)
        lines = await probe(call, session, _PROBE)
        executable, shown = lines[:2] if lines and len(lines) >= 2 else ("", "")
        reason = decide("node", parse_version(shown) if shown else None, shown,
                        request or Request(spec="", source=""))
        if reason:
            return ActionResult(is_success=True, declined=reason)
        if call.inputs.get("cache", "").strip():
            call.output(f"cache: {call.inputs['cache'].strip()}: not cached natively (use actions/cache)\n".encode())
        return found_it(call, "node", shown, executable, request, outputs={"node-version": f"v{shown}"},
                        path=(posixpath.dirname(executable),))


def _version_in_file(name: str, text: str) -> str:
    """The spec of ``.nvmrc``, ``.node-version``, ``.tool-versions`` or ``package.json``."""
    if name == ".tool-versions":
        return tool_versions_entry(text, "nodejs") or tool_versions_entry(text, "node")
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return ""
        volta = data.get("volta") if isinstance(data, dict) else None
        engines = data.get("engines") if isinstance(data, dict) else None
        for table in (volta, engines):
            if isinstance(table, dict) and isinstance(table.get("node"), str):
                return str(table["node"])
        return ""
    return first_line(text).removeprefix("v")


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in setup-node."""
    return [SetupNode()]
