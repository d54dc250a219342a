"""Each hostile or broken file gets one clear located error, exit code 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli import main
from tests.workflow.bad_inputs import CASES, write_case


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_rejected_with_a_located_error(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_case(tmp_path, name)
    assert main(["validate", name]) == 1
    out, err = capsys.readouterr()
    expected = CASES[name][1]
    assert any(expected in line for line in out.splitlines()), out
    assert "Traceback" not in out + err
    assert "1 of 1 workflow invalid" in err
