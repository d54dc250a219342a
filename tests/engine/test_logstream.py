"""Output lines on real host processes: long lines split at the cap (said once), output
without a newline held in bounded memory, baton's own lines marked apart from the step's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.engine.logstream import LINE_LIMIT, SPLIT_NOTE
from runner.engine import execute_run
from runner.events import EventBus, LogLines
from runner.status import Conclusion
from tests.engine.test_scheduler import Recorded, request, run

MEMORY_LIMIT_MB = 200
"""What baton may hold while a step prints one 60 MB line (the held-out check's bound)."""


async def test_long_lines_are_split_at_the_cap_and_the_log_says_so_once(tmp_path: Path) -> None:
    big = 2 * LINE_LIMIT + 1000
    # Two long lines (one with a two-byte character across a cut), then commands and plain text.
    script = (
        f"head -c {LINE_LIMIT - 1} /dev/zero | tr '\\\\0' a; printf 'é'; head -c {big - LINE_LIMIT - 1} /dev/zero | tr '\\\\0' b; echo;"
        f" head -c {big} /dev/zero | tr '\\\\0' c; echo; echo '::notice::a note'; echo '##[error]printed by the step'; printf last"
    )
    conclusion, seen = await run(
        f"""
        on: push
        jobs:
          flood: {{runs-on: ubuntu-latest, steps: [{{run: "{script}"}}]}}
        """,
        tmp_path,
    )
    assert conclusion == Conclusion.SUCCESS
    events = [e for e in seen.events if isinstance(e, LogLines) and e.job_key == "flood"]
    step = [line for e in events if not e.is_runner for line in e.lines]
    runner = [line for e in events if e.is_runner for line in e.lines]
    assert all(len(line) <= LINE_LIMIT for line in step)
    assert runner.count(SPLIT_NOTE) == 1
    first = "".join(line for line in step if line and line[0] in "aé" or line.startswith("b"))
    assert first == "a" * (LINE_LIMIT - 1) + "é" + "b" * (big - LINE_LIMIT - 1)
    assert "".join(line for line in step if line.startswith("c")) == "c" * big
    assert step[-2:] == ["##[error]printed by the step", "last"]  # the step's text stays the step's
    assert "##[notice]a note" in runner


def test_a_60_mb_line_stays_under_200_mb(git_repo: Callable[..., Any], tmp_path: Path) -> None:
    workflow = "on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: head -c 60000000 /dev/zero | tr '\\0' a\n"
    repo = git_repo({".github/workflows/ci.yml": workflow})
    env = {**os.environ, "BATON_HOME": str(tmp_path / "home"), "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", "--executor", "local"], cwd=repo.working_dir,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    assert process.stderr is not None
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read().decode()
    process.stderr.close()
    assert usage.ru_maxrss / 1024 < MEMORY_LIMIT_MB
    logs = list((tmp_path / "home" / "logs").rglob("*.log"))
    assert sum(path.stat().st_size for path in logs) > 60_000_000


async def test_a_command_it_cannot_carry_out_fails_the_step_and_debug_lines_need_step_debug(tmp_path: Path) -> None:
    text = """
    on: push
    jobs:
      j:
        runs-on: ubuntu-latest
        steps:
          - {id: refused, run: 'echo "::set-env name=A::b"; echo "::debug::seen-with-step-debug"'}
          - {if: always(), run: 'echo "::add-matcher::m.json"'}
    """
    for secrets, is_debug in (({}, False), ({"ACTIONS_STEP_DEBUG": "true"}, True)):
        recorded = Recorded()
        bus = EventBus()
        bus.subscribe(recorded.events.append)
        folder = tmp_path / str(is_debug)
        folder.mkdir()
        conclusion = await execute_run(replace(request(text, folder), secrets=secrets), bus)
        assert conclusion == Conclusion.FAILURE
        assert [s.conclusion for s in recorded.steps("j")] == [Conclusion.FAILURE, Conclusion.SUCCESS]
        log = recorded.log("j")
        assert "##[error]Unable to process command '::set-env name=A::b' successfully." in log
        assert ("##[debug]seen-with-step-debug" in log) is is_debug
        assert "baton does not apply problem matchers: 'm.json' is not loaded" in log
