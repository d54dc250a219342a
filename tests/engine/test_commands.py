"""Workflow commands: parsing tables from GitHub's docs, and the stateful processor."""

from __future__ import annotations

from typing import Any

import pytest

from runner.engine.commands import (
    AddMask,
    AddMatcher,
    AddPath,
    Annotation,
    CommandFailure,
    CommandProcessor,
    Debug,
    Echo,
    EndGroup,
    Group,
    LineResult,
    RemoveMatcher,
    ResumeCommands,
    SaveState,
    SetEnv,
    SetOutput,
    StopCommands,
    WorkflowCommand,
    is_true,
    parse_command,
    unsecure_commands_allowed,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("::debug::Set the Octocat variable", WorkflowCommand(name="debug", data="Set the Octocat variable")),
        (
            "::error file=app.js,line=1::Missing semicolon",
            WorkflowCommand(name="error", properties={"file": "app.js", "line": "1"}, data="Missing semicolon"),
        ),
        ("   ::group::My title", WorkflowCommand(name="group", data="My title")),  # leading whitespace is fine
        ("\t::endgroup::", WorkflowCommand(name="endgroup")),
        ("::ERROR::loud", WorkflowCommand(name="error", data="loud")),  # names are case-insensitive
        ("::warning Title=T,LINE=3::m", WorkflowCommand(name="warning", properties={"title": "T", "line": "3"}, data="m")),
        ("::warning ::m", WorkflowCommand(name="warning", data="m")),
        ("::warning:: spaced ", WorkflowCommand(name="warning", data=" spaced ")),
        ("::notice::a::b", WorkflowCommand(name="notice", data="a::b")),  # only the second :: ends the head
        # Escapes: properties know %3A and %2C, the message only %25 %0D %0A.
        (
            "::set-output name=a%3Ab%2Cc%25::one%0Atwo%0D%3A%2C%25",
            WorkflowCommand(name="set-output", properties={"name": "a:b,c%"}, data="one\ntwo\r%3A%2C%"),
        ),
        ("::add-mask::%2541", WorkflowCommand(name="add-mask", data="%41")),  # unescaped once, not twice
        # Properties: split on ',', then on the first '='; keys are not trimmed.
        ("::error a=b=c::", WorkflowCommand(name="error", properties={"a": "b=c"})),
        ("::error file=x,=v,k=,,line=2::m", WorkflowCommand(name="error", properties={"file": "x", "line": "2"}, data="m")),
        ("::error file=x, line=2::m", WorkflowCommand(name="error", properties={"file": "x", " line": "2"}, data="m")),
        ("::error file=a,file=b::m", WorkflowCommand(name="error", properties={"file": "b"}, data="m")),
    ],
)
def test_parse_command(line: str, expected: WorkflowCommand) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "plain output",
        "::",
        "::error",  # no second ::
        "::error message",
        ":: error::x",  # a space before the name
        "::unknown-command::x",
        "::set-output-x name=a::b",
        "x ::error::y",  # not at the start
        "##[error]legacy form",
        ": :error::x",
        "::::",
        "std::vector<int> v;",
        "  ::std::move(x)",
    ],
)
def test_plain_lines(line: str) -> None:
    assert parse_command(line) is None
    assert CommandProcessor().process(line) is line


def _process(processor: CommandProcessor, line: str) -> LineResult:
    """The processor's answer, with a plain line (a bare ``str``) as a ``LineResult`` too."""
    result = processor.process(line)
    return LineResult(log=result) if isinstance(result, str) else result


def _run(lines: list[str], **options: bool) -> list[LineResult]:
    processor = CommandProcessor(**options)
    return [_process(processor, line) for line in lines]


DEPRECATED_OUTPUT = "The `set-output` command is deprecated"


@pytest.mark.parametrize(
    ("line", "commands"),
    [
        ("::debug::hello", (Debug(message="hello"),)),
        ("::group::My title", (Group(title="My title"),)),
        ("::endgroup::", (EndGroup(),)),
        ("::add-mask::Mona The Octocat", (AddMask(value="Mona The Octocat"),)),
        ("::error file=app.js,line=1::Missing semicolon", (Annotation(level="error", message="Missing semicolon", file="app.js", line=1),)),
        (
            "::notice file=app.js,line=1,col=5,endColumn=7::Missing semicolon",
            (Annotation(level="notice", message="Missing semicolon", file="app.js", line=1, col=5, end_column=7),),
        ),
        (
            "::warning file=app.js,line=1,col=5,endColumn=7,title=YOUR-TITLE::Missing semicolon",
            (
                Annotation(
                    level="warning", message="Missing semicolon", file="app.js", line=1, col=5, end_column=7, title="YOUR-TITLE"
                ),
            ),
        ),
        ("::add-matcher::.github/matcher.json", (AddMatcher(path=".github/matcher.json"),)),
        ("::remove-matcher owner=eslint::", (RemoveMatcher(owner="eslint", path=""),)),
        ("::echo::on", (Echo(is_on=True),)),
        ("::echo:: OFF ", (Echo(is_on=False),)),
    ],
)
def test_commands(line: str, commands: tuple[object, ...]) -> None:
    (result,) = _run([line])
    assert result.commands == commands
    assert result.log is None  # echo is off by default


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ("line=3", dict(line=3)),
        ("line=3,endLine=5", dict(line=3, end_line=5)),
        ("endLine=5", dict(line=5, end_line=5)),  # endLine alone stands for line
        ("line=3,endColumn=9", dict(line=3, col=9, end_column=9)),  # endColumn alone stands for col
        ("col=4", dict()),  # columns need a line
        ("line=3,endLine=5,col=1,endColumn=2", dict(line=3, end_line=5)),  # and a single one
        ("line=5,endLine=3", dict()),  # backwards ranges are dropped
        ("line=3,col=5,endColumn=2", dict(line=3)),
        ("line= 7 ,col=+2", dict(line=7, col=2)),
        ("line=x,col=2", dict()),
        ("file=,title=", dict()),
    ],
)
def test_annotation_positions(properties: str, expected: dict[str, Any]) -> None:
    (result,) = _run([f"::warning {properties}::m"])
    assert result.commands == (Annotation(level="warning", message="m", **expected),)


def test_set_output_and_save_state_still_work_with_a_deprecation_warning() -> None:
    output, state = _run(["::set-output name=zoo::zar", "::save-state name=pid::12"])
    assert output.commands[0] == SetOutput(name="zoo", value="zar")
    assert isinstance(output.commands[1], Annotation) and output.commands[1].message.startswith(DEPRECATED_OUTPUT)
    assert state.commands[0] == SaveState(name="pid", value="12")
    (quiet,) = _run(["::set-output name=a::"], warn_deprecated=False)
    assert quiet.commands == (SetOutput(name="a", value=""),)


@pytest.mark.parametrize("line", ["::set-env name=foo::bar", "::add-path::/zip"])
def test_unsecure_commands_are_refused_unless_allowed(line: str) -> None:
    (refused,) = _run([line])
    (failure,) = refused.commands
    assert isinstance(failure, CommandFailure)
    assert failure.command == line
    assert "ACTIONS_ALLOW_UNSECURE_COMMANDS" in failure.message
    (allowed,) = _run([line], allow_unsecure_commands=True)
    assert allowed.commands in ((SetEnv(name="foo", value="bar"),), (AddPath(path="/zip"),))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("::set-env::nameless", "Required field 'name' is missing in ##[set-env] command."),
        ("::set-output::x", "Required field 'name' is missing in ##[set-output] command."),
        ("::save-state nam=x::y", "Required field 'name' is missing in ##[save-state] command."),
        ("::add-path::", "Required value 'path' is missing in ##[add-path] command."),
        ("::echo::maybe", "Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: 'maybe'."),
    ],
)
def test_failures(line: str, message: str) -> None:
    (result,) = _run([line], allow_unsecure_commands=True)
    assert result.commands == (CommandFailure(command=line, message=message),)


def test_node_options_cannot_be_set() -> None:
    (result,) = _run(["::set-env name=node_options::--require x"], allow_unsecure_commands=True)
    assert result.commands == (
        Annotation(level="error", message="Can't update NODE_OPTIONS environment variable using ::set-env:: command."),
    )


def test_empty_mask_is_a_warning() -> None:
    (result,) = _run(["::add-mask::   "])
    assert result.commands == (Annotation(level="warning", message="Can't add secret mask for empty string in ##[add-mask] command."),)
    assert result.masks == ()


def test_add_mask_is_never_logged_as_printed() -> None:
    quiet, _, loud = _run(["::add-mask::hunter2", "::echo::on", "::add-mask::hunter3"])
    assert quiet.log is None and quiet.masks == ("hunter2",)
    assert loud.log == "::add-mask::***" and loud.masks == ("hunter3",)


def test_echo_example_from_the_docs() -> None:
    lines = [
        "::set-output name=action_echo::disabled",
        "::echo::on",
        "::set-output name=action_echo::enabled",
        "::echo::off",
        "::set-output name=action_echo::disabled",
    ]
    results = _run(lines)
    assert [r.log for r in results if r.log is not None] == ["::set-output name=action_echo::enabled", "::echo::off"]
    assert [c.value for r in results for c in r.commands if isinstance(c, SetOutput)] == ["disabled", "enabled", "disabled"]


def test_echo_skips_commands_that_log_themselves() -> None:
    results = _run(["::echo::on", "::warning::w", "::debug::d", "::group::g", "::set-output::x"], echo=False)
    assert [r.log for r in results] == [None, None, None, "::group::g", "::set-output::x"]
    assert isinstance(results[4].commands[0], CommandFailure)


def test_stop_commands_example_from_the_docs() -> None:
    lines = [
        "::warning:: This is a warning message, to demonstrate that commands are being processed.",
        "::stop-commands::0b5c4b4c-1b4e-4b4e-9e44-2f7a3a9c1d11",
        "::warning:: This will NOT be rendered as a warning, because stop-commands has been invoked.",
        "::add-mask::not a mask either",
        "::0B5C4B4C-1B4E-4B4E-9E44-2F7A3A9C1D11::",  # the token matches case-insensitively
        "::warning:: This is a warning again, because stop-commands has been turned off.",
    ]
    first, stop, ignored, not_mask, resume, again = _run(lines)
    assert isinstance(first.commands[0], Annotation) and first.log is None
    assert stop == LineResult(log=lines[1], commands=(StopCommands(token="0b5c4b4c-1b4e-4b4e-9e44-2f7a3a9c1d11"),))
    assert ignored == LineResult(log=lines[2])
    assert not_mask == LineResult(log=lines[3])
    assert resume == LineResult(log=lines[4], commands=(ResumeCommands(token="0b5c4b4c-1b4e-4b4e-9e44-2f7a3a9c1d11"),))
    assert isinstance(again.commands[0], Annotation)


def test_act_commands_workflow() -> None:
    """The output of act's `commands` case, step by step, with unsecure commands allowed."""
    processor = CommandProcessor(allow_unsecure_commands=True)
    lines = ["::stop-commands::my-end-token", "::set-env name=foo::baz", "bar", "::my-end-token::", "::set-env name=foo::baz"]
    results = [_process(processor, line) for line in lines]
    assert [r.commands for r in results][1:3] == [(), ()]
    assert results[4].commands == (SetEnv(name="foo", value="baz"),)
    assert not processor.is_stopped


@pytest.mark.parametrize("token", ["", "pause-logging", "Pause-Logging", "set-env", "STOP-COMMANDS", "add-mask"])
def test_unsafe_stop_tokens_are_refused(token: str) -> None:
    processor = CommandProcessor()
    (failure,) = _process(processor, f"::stop-commands::{token}").commands
    assert isinstance(failure, CommandFailure) and "ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS" in failure.message
    assert not processor.is_stopped
    assert _process(processor, "::add-mask::still-secret").masks == ("still-secret",)


def test_unsafe_stop_tokens_when_allowed() -> None:
    processor = CommandProcessor(allow_unsecure_stop_tokens=True)
    processor.process("::stop-commands::set-env")
    assert _process(processor, "::add-mask::x").commands == ()
    assert _process(processor, "::set-env name=a::b").commands == (ResumeCommands(token="set-env"),)
    processor.process("::stop-commands::")  # an empty token never resumes
    assert [_process(processor, line).commands for line in ("::::", ":: ::")] == [(), ()]
    assert processor.is_stopped


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), (" TRUE ", True), ("1", False), ("yes", False), ("", False), (None, False)],
)
def test_is_true(value: str | None, expected: bool) -> None:
    assert is_true(value) is expected
    assert unsecure_commands_allowed({} if value is None else {"ACTIONS_ALLOW_UNSECURE_COMMANDS": value}) is expected
