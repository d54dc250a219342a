"""Environment files: parsing tables, and act's conformance workflows run through real bash."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from runner.engine.envfiles import EnvFileError, env_updates, parse_key_values, parse_paths, prepend_paths

ACT = Path(__file__).resolve().parents[1] / "data" / "conformance" / "act"


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("", []),
        ("\n\n", []),
        ("KEY=value\n", [("KEY", "value")]),
        ("KEY=value", [("KEY", "value")]),  # no final newline
        ("KEY=value=anothervalue\n", [("KEY", "value=anothervalue")]),
        ("KEY=\n", [("KEY", "")]),
        ("KEY= spaced \n", [("KEY", " spaced ")]),
        ("key=1\nKEY=2\nkey=3\n", [("key", "1"), ("KEY", "2"), ("key", "3")]),  # case-sensitive, in order
        ("A=1\r\nB=2\r\n", [("A", "1"), ("B", "2")]),  # CRLF
        ("\ufeffA=1\n", [("A", "1")]),  # a UTF-8 byte order mark
        ("\n\nA=1\n\n\nB=2\n\n", [("A", "1"), ("B", "2")]),
        ("NAME=ünïcødé ✓\n", [("NAME", "ünïcødé ✓")]),
        ("ÄPFEL=1\n", [("ÄPFEL", "1")]),
        ("A=b<<c\n", [("A", "b<<c")]),  # '=' first: a plain value
        ("A =1\n", [("A ", "1")]),  # names are not trimmed
        # Heredocs
        ("KEY2<<EOF\nvalue2\nEOF\n", [("KEY2", "value2")]),
        ("J<<EOF\n{\n  \"a\": 1\n}\nEOF\n", [("J", '{\n  "a": 1\n}')]),
        ("A<<EOF\n\nx\n\nEOF\n", [("A", "\nx\n")]),  # empty lines inside are kept
        ("A<<EOF\nEOF\nB=1\n", [("A", ""), ("B", "1")]),
        ("A<<EOF\n\nEOF\n", [("A", "")]),
        ("A<<EOF\r\none\r\ntwo\r\nEOF\r\n", [("A", "one\ntwo")]),
        ("A<<EOF\nEOFX\n EOF\nEOF", [("A", "EOFX\n EOF")]),  # only an exact delimiter line ends it
        ("A<< EOF\nx\n EOF\n", [("A", "x")]),  # the delimiter keeps its spaces
        ("A<<B=C\nx\nB=C\n", [("A", "x")]),  # '<<' first: a heredoc
        ("A<<EOF\nB<<EOF\nEOF\n", [("A", "B<<EOF")]),
        (
            "KEY3<<ghadelimiter_b8273c6d-d535-419a-a010-b0aaac240e36\nvalue3\n"
            "ghadelimiter_b8273c6d-d535-419a-a010-b0aaac240e36\n",
            [("KEY3", "value3")],
        ),
        # act's environment-files-parser-bug: the heredoc swallows the `x=` line.
        ("test<<World\nx=Thats really Weird\nWorld\n", [("test", "x=Thats really Weird")]),
    ],
)
def test_parse_key_values(text: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_key_values(text, file="$GITHUB_ENV") == pairs


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("JUSTTEXT\n", "$GITHUB_ENV:1", "expected NAME=VALUE or NAME<<DELIMITER"),
        ("A=1\n\nnot an assignment\n", "$GITHUB_ENV:3", "'not an assignment'"),
        ("A=1\n   \n", "$GITHUB_ENV:2", "expected NAME=VALUE"),  # whitespace is not an empty line
        ("=value\n", "$GITHUB_ENV:1", "name before '=' is empty"),
        ("<<EOF\nx\nEOF\n", "$GITHUB_ENV:1", "must not be empty"),
        ("A<<\nx\n\n", "$GITHUB_ENV:1", "must not be empty"),
        ("A=1\nB<<EOF\nvalue\n", "$GITHUB_ENV:2", "no line 'EOF' follows"),
        ("B<<EOF\nvalue\nEOF \n", "$GITHUB_ENV:1", "no line 'EOF' follows"),
    ],
)
def test_errors_name_the_file_and_line(text: str, where: str, fragment: str) -> None:
    with pytest.raises(EnvFileError) as caught:
        parse_key_values(text, file="$GITHUB_ENV")
    assert caught.value.where == where
    assert str(caught.value).startswith(f"{where}: ")
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("", []),
        ("/a\n", ["/a"]),
        ("/a\n\n/b\r\n  \n/c", ["/a", "/b", "/c"]),
        ("\ufeff/opt/tool\r/opt/other\n", ["/opt/tool", "/opt/other"]),
        ("/with space/bin\n", ["/with space/bin"]),
    ],
)
def test_parse_paths(text: str, paths: list[str]) -> None:
    assert parse_paths(text) == paths


def test_prepend_paths() -> None:
    assert prepend_paths((), ["/a", "/b"]) == ("/b", "/a")
    assert prepend_paths(("/b", "/a"), ["/c", "/a"]) == ("/a", "/c", "/b")


def test_env_updates_refuse_node_options() -> None:
    updates = env_updates([("A", "1"), ("NODE_OPTIONS", "--require x"), ("node_options", "y"), ("A", "2")])
    assert updates.values == {"A": "2"}
    assert updates.refused == (
        "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
        "Can't store node_options output parameter using '$GITHUB_ENV' command.",
    )


def _run_writers(workflow: Path, tmp_path: Path) -> tuple[dict[str, str], dict[str, dict[str, str]], tuple[str, ...]]:
    """Run a workflow's steps that only write environment files, as bash would; collect what they set."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    steps = next(iter(yaml.safe_load(workflow.read_text())["jobs"].values()))["steps"]
    env: dict[str, str] = {}
    outputs: dict[str, dict[str, str]] = {}
    paths: tuple[str, ...] = ()
    for index, step in enumerate(steps):
        script = step.get("run", "")
        if "GITHUB_" not in script or "${{" in script or "[[" in script:
            continue  # a step that checks rather than writes
        files = {name: tmp_path / f"{index}_{name}" for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH")}
        for file in files.values():
            file.write_text("")
        process_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path), **{k: str(v) for k, v in files.items()}}
        subprocess.run([bash, "-e", "-c", script], env=process_env, check=True, cwd=tmp_path)
        env.update(env_updates(parse_key_values(files["GITHUB_ENV"].read_text(), file="$GITHUB_ENV")).values)
        step_outputs = dict(parse_key_values(files["GITHUB_OUTPUT"].read_text(), file="$GITHUB_OUTPUT"))
        if step_outputs:
            outputs[step.get("id", str(index))] = step_outputs
        paths = prepend_paths(paths, parse_paths(files["GITHUB_PATH"].read_text()))
    return env, outputs, paths


def test_act_environment_files_parser_bug(tmp_path: Path) -> None:
    env, _, _ = _run_writers(ACT / "environment-files-parser-bug" / "push.yaml", tmp_path)
    assert env == {"test": "x=Thats really Weird"}  # and so `env.x` is not 'Thats really Weird'


@pytest.mark.parametrize("case", ["environment-files", "env-and-path"])
def test_act_environment_files(case: str, tmp_path: Path) -> None:
    env, outputs, paths = _run_writers(ACT / case / "push.yaml", tmp_path)
    assert {k: env[k] for k in ("KEY", "KEY2", "KEY3")} == {"KEY": "value=anothervalue", "KEY2": "value2", "KEY3": "value3"}
    home = str(tmp_path)
    assert paths[1:] == (f"{home}/someOtherFolder", f"{home}/someFolder")  # the mktemp folder came last
    if case == "environment-files":
        assert outputs == {"write-single-output": {"KEY": "value"}, "write-multi-output": {"KEY2": "value2"}}
