"""What only the host executor promises: one merged pipe, a clean environment, its layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.executors.local import LocalExecutor
from runner.api import Command, ConfigError, ContainerSpec, ExecutorError, JobSpec
from tests.plugins.executors.test_contract import Output, run



@pytest.fixture
def local(host_dir: Path) -> LocalExecutor:
    return LocalExecutor({"grace_seconds": 3, "host_dir": str(host_dir)})


@pytest.fixture
def plain_job(run_id: str) -> JobSpec:
    return JobSpec(run_id=run_id, job_key="test.2", name="t", labels=(), repository="octo/project")


async def test_stdout_and_stderr_share_one_pipe_in_order(local: LocalExecutor, plain_job: JobSpec) -> None:
    async with local.session(plain_job) as session:
        _, text = await run(session, "echo 1; echo 2 >&2; echo 3; echo 4 >&2")
    assert text == "1\n2\n3\n4\n"


async def test_the_host_environment_does_not_leak(local: LocalExecutor, plain_job: JobSpec,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_TEST_HOST_ONLY", "leaked")
    async with local.session(plain_job) as session:
        _, text = await run(session, 'echo "[$BATON_TEST_HOST_ONLY] $HOME"')
    assert text.startswith("[] /")


async def test_layout(local: LocalExecutor, plain_job: JobSpec, host_dir: Path) -> None:
    async with local.session(plain_job) as session:
        root = Path(session.workspace).parents[2]
        assert root.parent == host_dir and root.name.startswith(f"baton-{plain_job.run_id}-test.2-")
        assert Path(session.workspace) == root / "work" / "project" / "project"
        assert Path(session.temp) == root / "work" / "_temp" and Path(session.temp).is_dir()
        assert Path(session.tool_cache) == root / "tool" and Path(session.tool_cache).is_dir()
        assert session.host_workspace == Path(session.workspace)
        assert session.os in {"Linux", "macOS"} and session.arch in {"X64", "ARM64"}


async def test_a_missing_program_is_exit_127(local: LocalExecutor, plain_job: JobSpec) -> None:
    async with local.session(plain_job) as session:
        output = Output()
        outcome = await session.execute(
            Command(argv=("/no/such/program",), env={}, cwd=session.workspace), output
        )
    assert outcome.exit_code == 127 and "/no/such/program" in output.text


@pytest.mark.parametrize("options", [{"grace_seconds": "soon"}, {"grace_seconds": -1}, {"grace": 1},
                                     {"host_dir": 3}])
def test_bad_options_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        LocalExecutor(options)  # type: ignore[arg-type]


async def test_a_job_container_or_services_fail_clearly(tmp_path: Path) -> None:
    executor = LocalExecutor({"host_dir": str(tmp_path)})
    for job in (
        JobSpec(run_id="r", job_key="c", name="with-container", labels=("x",), container=ContainerSpec(image="alpine")),
        JobSpec(run_id="r", job_key="s", name="with-services", labels=("x",), services={"db": ContainerSpec(image="postgres")}),
    ):
        with pytest.raises(ExecutorError, match="local executor cannot provide; run it with --executor docker"):
            async with executor.session(job):
                pass
