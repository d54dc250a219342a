"""``shell:`` resolution, argument splitting and script files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runner.engine.shells import ShellError, ShellSpec, resolve_shell, script_body, split_arguments

SCRIPT = "/tmp/s"


@pytest.mark.parametrize(
    ("shell", "has_bash", "argv", "extension"),
    [
        (None, True, ("bash", "-e", SCRIPT), ".sh"),
        (None, False, ("sh", "-e", SCRIPT), ".sh"),
        ("", True, ("bash", "-e", SCRIPT), ".sh"),
        ("bash", True, ("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT), ".sh"),
        ("bash", False, ("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT), ".sh"),
        ("sh", True, ("sh", "-e", SCRIPT), ".sh"),
        ("python", True, ("python", SCRIPT), ".py"),
        ("pwsh", True, ("pwsh", "-command", f". '{SCRIPT}'"), ".ps1"),
        ("powershell", True, ("powershell", "-command", f". '{SCRIPT}'"), ".ps1"),
        ("cmd", True, ("cmd", "/D", "/E:ON", "/V:OFF", "/S", "/C", f"CALL {SCRIPT}"), ".cmd"),
        ("  bash  ", True, ("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT), ".sh"),
        ("BASH", True, ("BASH", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT), ".sh"),  # kept as written
        # Custom templates: the first word is the command, the rest goes through argument splitting.
        ("perl {0}", True, ("perl", SCRIPT), ""),
        ("node {0}", True, ("node", SCRIPT), ""),
        ("bash {0}", True, ("bash", SCRIPT), ".sh"),
        ("bash -l {0}", True, ("bash", "-l", SCRIPT), ".sh"),
        ("python3 -u {0} --flag", True, ("python3", "-u", SCRIPT, "--flag"), ""),
        ("pwsh -File {0}", True, ("pwsh", "-File", SCRIPT), ".ps1"),
        ("sh  -c   \"exec 2>&1; . {0}\"", True, ("sh", "-c", f"exec 2>&1; . {SCRIPT}"), ".sh"),
        ("pwsh -v '. {0}'", True, ("pwsh", "-v", "'.", f"{SCRIPT}'"), ".ps1"),  # act's shells/custom case
        ("bash -c \"f() {{ . {0}; }}; f\"", True, ("bash", "-c", f"f() {{ . {SCRIPT}; }}; f"), ".sh"),
        ("docker run -v {0}:{0} img", True, ("docker", "run", "-v", f"{SCRIPT}:{SCRIPT}", "img"), ""),
    ],
)
def test_resolve_shell(shell: str | None, has_bash: bool, argv: tuple[str, ...], extension: str) -> None:
    spec = resolve_shell(shell, has_bash=has_bash)
    assert spec.argv(SCRIPT) == argv
    assert spec.extension == extension


def test_windows_defaults_to_pwsh() -> None:
    spec = resolve_shell(None, has_bash=True, os="Windows")
    assert spec.argv("C:\\s.ps1") == ("pwsh", "-command", ". 'C:\\s.ps1'")
    assert (spec.extension, spec.newline) == (".ps1", "\r\n")
    assert resolve_shell(None, has_bash=True, os="macOS").argv(SCRIPT) == ("bash", "-e", SCRIPT)


def test_a_path_with_spaces_stays_one_argument() -> None:
    assert resolve_shell("bash", has_bash=True).argv("/tmp/my dir/s.sh")[-1] == "/tmp/my dir/s.sh"
    assert resolve_shell("perl -x {0}", has_bash=True).argv("/a b/{0}.pl") == ("perl", "-x", "/a b/{0}.pl")


@pytest.mark.parametrize(
    "shell",
    ["node", "perl -w", "zsh -e", "{0}", "bash -c 'x() { . {0}; }'", "sh -c '{1}' {0}", "fish {0} }"],
)
def test_invalid_shells(shell: str) -> None:
    with pytest.raises(ShellError, match="invalid shell"):
        resolve_shell(shell, has_bash=True)


@pytest.mark.parametrize(
    ("text", "arguments"),
    [
        ("", []),
        ("  a\tb  ", ["a", "b"]),
        ('"a b" c', ["a b", "c"]),
        ('a"b c"d', ["ab cd"]),
        ('""', [""]),
        ('a ""', ["a", ""]),
        ('"a""b"', ['a"b']),  # a doubled quote inside quotes
        ('\\"a', ['"a']),
        ('\\\\"a b"', ["\\a b"]),  # two backslashes before a quote: one backslash, then quoting
        ('\\\\\\"a', ['\\"a']),
        ("a\\\\b", ["a\\\\b"]),  # backslashes not before a quote are literal
        ("it's 'a b'", ["it's", "'a", "b'"]),  # single quotes are not special
        ('"unterminated x', ["unterminated x"]),
    ],
)
def test_split_arguments(text: str, arguments: list[str]) -> None:
    assert split_arguments(text) == arguments


def test_script_body() -> None:
    run = "echo ü\nexit 3\n"
    assert script_body(run, resolve_shell("bash", has_bash=True)) == run.encode()
    assert script_body(run, resolve_shell("python", has_bash=True)) == run.encode()
    assert not script_body(run, resolve_shell(None, has_bash=True)).startswith(b"\xef\xbb\xbf")
    pwsh = script_body("Write-Output hi", resolve_shell("pwsh", has_bash=True)).decode()
    assert pwsh.splitlines() == [
        "$ErrorActionPreference = 'stop'",
        "Write-Output hi",
        "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }",
    ]
    cmd = script_body("echo a\r\necho b\n", resolve_shell("cmd", has_bash=False, os="Windows"))
    assert cmd == b"@echo off\r\necho a\r\necho b\r\n"


def test_spec_is_usable_directly() -> None:
    spec = ShellSpec(argv_template=("sh", "-e", "{0}"), extension=".sh")
    assert spec.argv("/x") == ("sh", "-e", "/x")


@pytest.mark.parametrize(("shell", "exit_code"), [("bash", 1), (None, 0), ("sh", 0)])
def test_pipefail_only_with_bash(shell: str | None, exit_code: int, tmp_path: Path) -> None:
    """`shell: bash` fails on a failing pipeline; the default shell and sh do not (they only use -e)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    spec = resolve_shell(shell, has_bash=True)
    script = tmp_path / f"script{spec.extension}"
    script.write_bytes(script_body("false | true\necho reached\n", spec))
    done = subprocess.run(spec.argv(str(script)), capture_output=True, text=True, check=False)
    assert done.returncode == exit_code
    assert ("reached" in done.stdout) is (exit_code == 0)
