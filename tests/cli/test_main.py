"""The command line's front door: help, unknown commands, exit codes."""

from __future__ import annotations

import pytest

from runner.cli import COMMANDS, main


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    assert f"usage: baton {name}" in capsys.readouterr().out


def test_eval_prints_json_and_points_at_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "format('{0}-{1}', 1, true)"]) == 0
    assert capsys.readouterr().out.strip() == '"1-true"'
    assert main(["eval", "--if", "--status", "failure", "failure() && 'x'"]) == 0
    assert capsys.readouterr().out.strip() == "true"
    assert main(["eval", "1 == "]) == 1
    err = capsys.readouterr().err
    assert "Unexpected end of expression" in err and "  1 ==\n    ^" in err
