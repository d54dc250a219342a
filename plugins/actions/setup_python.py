"""``actions/setup-python``, natively when the job's environment already has a Python that
satisfies ``python-version`` (or ``python-version-file``); else the real action runs."""

from __future__ import annotations

import posixpath
import re

from plugins.actions.toolchain import Request, decide, first_line, found_it, probe, read_version_file, requested
from plugins.actions.toolchain import tool_versions_entry
from plugins.actions.versions import parse_version
from runner.api import ActionCall, ActionResult, NativeAction, Session, hookimpl

_PROBE = """for c in python3 python; do
  p=$(command -v "$c") || continue
  "$p" -c 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3]); print(sys.prefix)' && exit 0
done
exit 1"""


class SetupPython:
    """Uses the job's Python when it satisfies the request."""

    names: tuple[str, ...] = ("actions/setup-python",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Outputs ``python-version`` and ``python-path``; ``PATH`` and ``pythonLocation`` as the real action sets them."""
        request = requested(call, "python-version")
        if request is None and call.inputs.get("python-version-file", "").strip():
            request = await read_version_file(call, session, "python-version-file", _version_in_file)
        lines = await probe(call, session, _PROBE)
        executable, shown, prefix = lines[:3] if lines and len(lines) >= 3 else ("", "", "")
        reason = decide("python", parse_version(shown) if shown else None, shown, request or Request(spec="", source=""))
        if reason:
            return ActionResult(is_success=True, declined=reason)
        env = {"pythonLocation": prefix, "Python_ROOT_DIR": prefix, "Python2_ROOT_DIR": prefix,
               "Python3_ROOT_DIR": prefix, "PKG_CONFIG_PATH": posixpath.join(prefix, "lib", "pkgconfig")}
        return found_it(call, "Python", shown, executable, request,
                        outputs={"python-version": shown, "python-path": executable},
                        env=env, path=(posixpath.dirname(executable),))


def _version_in_file(name: str, text: str) -> str:
    """The spec of ``.python-version``, ``.tool-versions`` or ``pyproject.toml``."""
    if name == ".tool-versions":
        return tool_versions_entry(text, "python")
    if name.endswith(".toml"):
        import tomllib  # only for a pyproject.toml: registering this action must not cost every run 1.4 ms

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return ""
        spec = _dig(data, "project", "requires-python") or _dig(data, "tool", "poetry", "dependencies", "python")
        return _from_pep440(spec)
    return first_line(text)


def _dig(data: object, *keys: str) -> str:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, str) else ""


def _from_pep440(spec: str) -> str:
    """A PEP 440 specifier (``>=3.9,<4``, ``~=3.10``, ``==3.12.*``) as a version spec."""
    words: list[str] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if part.startswith("~="):
            number = part[2:].strip()
            words.append(("^" if number.count(".") == 1 else "~") + number)
        elif part.startswith("=="):
            words.append(re.sub(r"\.\*$", ".x", part[2:].strip()))
        elif part.startswith("!="):
            return part  # not matched natively: the real action decides
        else:
            words.append(part.replace(" ", ""))
    return " ".join(words)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in setup-python."""
    return [SetupPython()]
