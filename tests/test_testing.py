"""The fake executor that plugin authors test with: here it tests the built-in checkout."""

from __future__ import annotations

from pathlib import Path

from plugins.actions.checkout import Checkout
from runner.api import ActionCall, Command, Executor, JobSpec
from runner.testing import FakeExecutor, FakeSession


def job() -> JobSpec:
    return JobSpec(run_id="r", job_key="j", name="j", labels=("x",), repository="octo/demo")


def call(source: Path, output: list[bytes], **inputs: str) -> ActionCall:
    return ActionCall(
        uses="actions/checkout@v4",
        inputs=inputs,
        env={},
        source=source,
        github={"repository": "octo/demo", "sha": "abc", "ref": "refs/heads/main"},
        output=output.append,
    )


async def test_checkout_copies_the_snapshot_into_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print(1)\n")
    (tmp_path / "README").write_text("hi\n")
    executor: Executor = FakeExecutor()
    log: list[bytes] = []
    async with executor.session(job()) as session:
        result = await Checkout().run(call(tmp_path, log, path="sub"), session)
        assert isinstance(session, FakeSession)
        assert session.files == {"/fake/work/demo/sub/README": b"hi\n", "/fake/work/demo/sub/src/main.py": b"print(1)\n"}
    assert result.is_success and result.outputs["commit"] == "abc"
    assert b"Checked out octo/demo (2 files)" in b"".join(log)


async def test_checkout_of_another_repository_fails_and_says_why(tmp_path: Path) -> None:
    log: list[bytes] = []
    async with FakeExecutor().session(job()) as session:
        result = await Checkout().run(call(tmp_path, log, repository="other/repo"), session)
    assert not result.is_success
    assert b"needs network access" in b"".join(log)


async def test_the_responder_decides_and_commands_are_recorded() -> None:
    executor = FakeExecutor(lambda command, session: (3, b"out\n") if command.argv[0] == "false" else (0, b""))
    chunks: list[bytes] = []
    async with executor.session(job()) as session:
        outcome = await session.execute(Command(argv=("false",), env={}, cwd="/", files={"/t/x": b"1"}, collect=("/t/x", "/t/y")), chunks.append)
    assert (outcome.exit_code, outcome.files, chunks) == (3, {"/t/x": b"1"}, [b"out\n"])
    assert executor.sessions[0].commands[0].argv == ("false",)
