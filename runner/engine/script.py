"""One ``run`` script in a session: one exec, command files read back in the same call."""

from __future__ import annotations

import asyncio
import os
import posixpath
from dataclasses import replace

from runner.api import Command
from runner.engine.envfiles import EnvFileError, env_updates, parse_key_values, parse_paths
from runner.engine.job_state import JobScope, StepIdentity, StepResult
from runner.engine.logstream import LogStream
from runner.engine.shells import ShellSpec, resolve_shell, script_body
from runner.status import Conclusion

DEFAULT_SHELL = ShellSpec(
    argv_template=(
        "sh",
        "-c",
        'if command -v bash >/dev/null 2>&1; then exec bash -e "$1"; else exec sh -e "$1"; fi',
        "sh",
        "{0}",
    ),
    extension=".sh",
    name="bash",
)
"""No ``shell:``: ``bash -e {0}``, or ``sh -e {0}`` where there is no bash, decided in the
same exec (a probe would cost a second one)."""


def shell_for(shell: str | None) -> ShellSpec:
    """The shell of a ``run`` step (``None``: GitHub's default)."""
    return DEFAULT_SHELL if not shell else resolve_shell(shell, has_bash=True)


def with_command_files(command: Command, identity: StepIdentity) -> Command:
    """``command`` with the step's empty command files written before it and read back after it."""
    files = identity.files.values()
    return replace(command, files={**command.files, **{path: b"" for path in files}}, collect=(*command.collect, *files))


async def run_script(
    scope: JobScope,
    index: int,
    identity: StepIdentity,
    *,
    script: str,
    shell: str | None,
    workdir: str | None,
    env: dict[str, str],
    path: tuple[str, ...],
    timeout: float | None,
) -> StepResult:
    """Write the script and empty command files, run it, read the files back."""
    session = scope.session
    spec = shell_for(shell)
    script_path = posixpath.join(session.temp, f"{os.urandom(16).hex()}{spec.extension}")
    cwd = session.workspace if not workdir else posixpath.join(session.workspace, workdir)
    command = with_command_files(
        Command(
            argv=spec.argv(script_path),
            env=scope.process_env(env, identity),
            path=path,
            cwd=cwd,
            files={script_path: script_body(script, spec)},
        ),
        identity,
    )
    stream = LogStream(scope, index, env)
    timed_out = False
    try:
        async with asyncio.timeout(timeout):
            outcome = await session.execute(command, stream.feed)
    except TimeoutError:
        timed_out = True
    finally:
        stream.close()
    if timed_out:
        scope.log(index, f"##[error]The step timed out after {timeout / 60 if timeout else 0:g} minutes.")
        return StepResult(outcome=Conclusion.FAILURE)
    if outcome.exit_code != 0:
        scope.log(index, f"##[error]Process completed with exit code {outcome.exit_code}.")
    return read_command_files(scope, index, identity, outcome.files, stream, ok=outcome.exit_code == 0)


def read_command_files(
    scope: JobScope, index: int, identity: StepIdentity, contents: dict[str, bytes], stream: LogStream, *, ok: bool
) -> StepResult:
    """Fold ``GITHUB_ENV``/``OUTPUT``/``PATH``/``STATE``/summary into a step result."""

    def text(kind: str) -> str:
        return contents.get(identity.files[kind], b"").decode("utf-8", "replace")

    ok = ok and not stream.has_failed  # a command it could not carry out fails the step, as on GitHub
    env, outputs = dict(stream.env), dict(stream.outputs)
    path = list(stream.path)
    state: dict[str, str] = {}
    try:
        updates = env_updates(parse_key_values(text("env"), file="GITHUB_ENV"))
        env.update(updates.values)
        for refusal in updates.refused:
            scope.log(index, f"##[error]{refusal}")
        outputs.update(parse_key_values(text("output"), file="GITHUB_OUTPUT"))
        state = {**stream.state, **dict(parse_key_values(text("state"), file="GITHUB_STATE"))}
        path.extend(parse_paths(text("path")))
    except EnvFileError as exc:
        scope.log(index, f"##[error]{exc}")
        ok = False
    return StepResult(
        outcome=Conclusion.SUCCESS if ok else Conclusion.FAILURE,
        outputs=outputs,
        env=env,
        path=tuple(path),
        summary=text("step_summary"),
        state=state,
    )
