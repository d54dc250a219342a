"""``actions/setup-java``, natively when the job's environment already has a Java that
satisfies ``java-version`` (or ``java-version-file``); else the real action runs.

The ``distribution`` (temurin, zulu, …) is not checked: any JDK of the version will do.
"""

from __future__ import annotations

import posixpath
import re

from plugins.actions.toolchain import Request, decide, first_line, found_it, probe, read_version_file, requested
from plugins.actions.versions import parse_version
from runner.api import ActionCall, ActionResult, NativeAction, Session, hookimpl

_PROBE = 'p=$(command -v java) && "$p" -XshowSettings:properties -version 2>&1'


class SetupJava:
    """Uses the job's Java when it satisfies the request."""

    names: tuple[str, ...] = ("actions/setup-java",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Outputs ``distribution``, ``version`` and ``path``; sets ``JAVA_HOME`` and
        ``JAVA_HOME_<major>_X64`` and puts its ``bin`` first on ``PATH``."""
        request = requested(call, "java-version")
        if request is None and call.inputs.get("java-version-file", "").strip():
            request = await read_version_file(call, session, "java-version-file", _version_in_file)
        properties = dict(line.partition(" = ")[::2] for line in await probe(call, session, _PROBE) or [] if " = " in line)
        home, shown = properties.get("java.home", ""), properties.get("java.version", "")
        found = _java_version(shown) if shown and home else None
        reason = decide("java", found, shown, request or Request(spec="", source=""))
        if reason or found is None:
            return ActionResult(is_success=True, declined=reason or "the job's environment has no java")
        distribution = call.inputs.get("distribution", "").strip()
        env = {"JAVA_HOME": home, f"JAVA_HOME_{found[0]}_X64": home}
        return found_it(call, "Java", shown, home, request, env=env, path=(posixpath.join(home, "bin"),),
                        outputs={"distribution": distribution, "version": shown, "path": home})


def _java_version(text: str) -> tuple[int, ...] | None:
    """``17.0.9`` → (17, 0, 9); the old form ``1.8.0_392`` → (8, 0, 392)."""
    version = parse_version(text.replace("_", "."))
    if version and version[0] == 1 and len(version) > 1:
        return version[1:]
    return version


def _version_in_file(name: str, text: str) -> str:
    """The spec of ``.java-version``, ``.tool-versions`` or ``.sdkmanrc``."""
    for line in text.splitlines():
        words = line.replace("=", " ").split()
        if len(words) >= 2 and words[0] == "java":  # .tool-versions: temurin-17.0.9+9; .sdkmanrc: 17.0.9-tem
            version = re.search(r"\d+(?:\.\d+)*", words[1].split("-", 1)[-1] if words[1][:1].isalpha() else words[1])
            return version[0] if version else ""
    return first_line(text)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in setup-java."""
    return [SetupJava()]
