"""The ``node`` a JavaScript action runs with: the job environment's, else the one baton provides.

Found once per job by one probe in the session (``command -v``), then run directly: a
shell in between would drop the ``INPUT_*`` variables whose names hold a ``-``.
"""

from __future__ import annotations

import posixpath
import shlex

from runner.api import NODE_FOLDER, Command
from runner.engine.job_state import JobScope

_MISSING = ""


async def find_node(scope: JobScope) -> str | None:
    """The ``node`` of this job's session: on its ``PATH``, else baton's (mounted at
    :data:`~runner.api.NODE_FOLDER` in a container, or where it is on this machine); None
    when neither is there."""
    found = scope.tools.get("node")
    if found is None:
        candidates = [posixpath.join(NODE_FOLDER, "node")]
        if scope.request.node is not None:
            candidates.append(str(scope.request.node))
        probe = (
            "command -v node && exit 0; "
            f"for n in {' '.join(shlex.quote(c) for c in candidates)}; do "
            'if [ -x "$n" ]; then echo "$n"; exit 0; fi; done; exit 1'
        )
        output: list[bytes] = []
        outcome = await scope.session.execute(
            Command(argv=("sh", "-c", probe), env=dict(scope.base_env), cwd=scope.session.workspace), output.append
        )
        lines = b"".join(output).decode("utf-8", "replace").strip().splitlines()
        found = lines[-1].strip() if outcome.exit_code == 0 and lines else _MISSING
        scope.tools["node"] = found
    return found or None
