"""The hostile workflows: one entry per way a job has tried to reach the host through baton.

Each :class:`~tests.security.hostile.Case` is a repository (workflow, files, committed
links) and what its run must show beyond the checks every case shares (the canary's
content nowhere, the canary folder unchanged, no traceback, only SGR on the terminal, the
store 0700/0600). A new hostile trick is one more entry.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from tests.security.hostile import Canary, Case, Outcome

Check = Callable[[Outcome, Canary], None]

OUT = "../" * 24
"""Enough ``..`` to climb from any workspace to ``/`` (the canary's path follows)."""

COMMAND_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_STATE")


def job(*steps: str, name: str = "hostile", extra: str = "") -> str:
    """A workflow of one job ``name`` with ``steps`` (each a YAML step mapping, dedented)."""
    body = "".join(textwrap.indent(textwrap.dedent(step).strip("\n"), "      ") + "\n" for step in steps)
    return f"on: push\njobs:\n  {name}:\n    runs-on: ubuntu-latest\n{extra}    steps:\n{body}"


CHECKOUT = "- uses: actions/checkout@v4"
AFTER = "- if: always()\n  run: echo after-the-attack"


def fails(job_id: str = "hostile", *, says: str = "") -> Check:
    """A check: job ``job_id`` failed, and the terminal says ``says``; a later ``if: always()`` step ran."""

    def check(outcome: Outcome, canary: Canary) -> None:
        assert outcome.job(job_id)["conclusion"] == "failure", outcome.text()[-3000:]
        assert outcome.said(says), f"{says!r} not in:\n{outcome.text()[-3000:]}"

    return check


def succeeds(job_id: str = "hostile") -> Check:
    def check(outcome: Outcome, canary: Canary) -> None:
        assert outcome.job(job_id)["conclusion"] == "success", outcome.text()[-3000:]

    return check


def _hash_is_empty(outcome: Outcome, canary: Canary) -> None:
    text = outcome.text()
    assert outcome.job("hostile")["conclusion"] == "success", text[-3000:]
    assert text.count("hash=[]") == 2, text[-3000:]


def _long_line(outcome: Outcome, canary: Canary) -> None:
    assert outcome.job("hostile")["conclusion"] == "success", outcome.text()[-2000:]
    assert outcome.peak_rss < 200 * 2**20, f"baton's peak memory was {outcome.peak_rss / 2**20:.0f} MB"
    assert outcome.said("a line longer than 1 MiB was split")


def _deep_json(outcome: Outcome, canary: Canary) -> None:
    assert [s["conclusion"] for s in outcome.job("hostile")["steps"]] == ["success", "failure", "success"]
    assert outcome.job("other")["conclusion"] == "success"
    assert "MaxDepth of 64 has been exceeded" in outcome.log("hostile", 1)


def _background(outcome: Outcome, canary: Canary) -> None:
    assert [s["conclusion"] for s in outcome.job("hostile")["steps"]] == ["success", "success"], outcome.text()[-2000:]
    assert outcome.step("hostile", 0)["duration"] < 20, "a background process held its step open"


def _terminal(outcome: Outcome, canary: Canary) -> None:
    assert outcome.job("hostile")["conclusion"] == "success", outcome.text()[-2000:]
    lines = outcome.text().splitlines()
    assert any("\\x1b]52;c;" in line for line in lines), "the OSC 52 sequence is not shown escaped"
    assert any("visible\\x0doverwritten" in line for line in lines)
    words = ("job success", "fake error", "▶ forged", "wrapped", "named")
    forged = [line for line in lines if any(word in line for word in words)]
    own = [line for line in forged if re.fullmatch(r"hostile ✓ job success in [0-9.]+s", line)]
    assert len(own) == 1 and len(forged) >= 7, forged
    for line in forged:
        assert line in own or "│ " in line, f"a step's text passes for baton's: {line!r}"
    assert any(line.endswith("│ ##[error]fake error") for line in lines), "a step's ##[error] was read as baton's"


RUNNER_TEMP = Case(
    name="runner-temp-replaced-by-a-link",
    workflow=job('- run: rm -rf "$RUNNER_TEMP" && ln -s @CANARY@ "$RUNNER_TEMP"', "- run: echo next step", AFTER),
    check=fails(),
)

TEMP_ENTRIES = Case(
    name="runner-temp-entries-and-command-folder-replaced-by-links",
    workflow=job(
        """
        - run: |
            for f in "$RUNNER_TEMP"/* "$RUNNER_TEMP"/_runner_file_commands/*; do rm -rf "$f"; ln -s @SECRET_FILE@ "$f"; done
            rm -rf "$RUNNER_TEMP/_runner_file_commands" && ln -s @CANARY@ "$RUNNER_TEMP/_runner_file_commands"
            for n in $(seq 1 5); do ln -s @CANARY@/planted$n "$RUNNER_TEMP/planted$n.sh"; done
        """,
        "- run: echo next step",
        AFTER,
    ),
    check=fails(),
)


def command_file(name: str) -> Case:
    """``$NAME`` turned into a link to the secret file: baton must not read it on the host."""
    return Case(
        name=f"{name.lower()}-is-a-link-to-a-host-file",
        workflow=job(
            f'- id: s\n  run: ln -sf @SECRET_FILE@ "${name}"',
            '- if: always()\n  run: echo "env=$KEY out=${{ steps.s.outputs.KEY }}"',
        ),
        check=fails(says="is a symbolic link; baton does not follow links a job made"),
    )


CHECKOUT_PATH_LINK = Case(
    name="checkout-path-through-a-link-a-step-made",
    workflow=job(
        '- run: ln -s @CANARY@ "$GITHUB_WORKSPACE/out" && mkdir -p a && ln -s @CANARY@ a/b',
        "- uses: actions/checkout@v4\n  with: {path: out}",
        "- if: always()\n  uses: actions/checkout@v4\n  with: {path: a/b/c}",
        AFTER,
    ),
    files={"planted.txt": "planted by the checkout\n"},
    check=fails(),
)

CHECKOUT_PATH_OUT = Case(
    name="checkout-path-outside-the-workspace",
    workflow=job(
        f"- uses: actions/checkout@v4\n  with: {{path: '{OUT}@CANARY@'}}",
        "- if: always()\n  uses: actions/checkout@v4\n  with: {path: '@CANARY@'}",
        AFTER,
    ),
    check=fails(says="is not under the workspace"),
)

COMMITTED_LINKS = Case(
    name="committed-links-checked-out-and-sparse",
    workflow=job(
        CHECKOUT,
        "- uses: actions/checkout@v4\n  with: {path: sparse, sparse-checkout: \"leak\\ndocs\\nhostdir\\nhostdir/action\"}",
        """
        - run: |
            for f in leak docs/leak2 hostdir sparse/leak sparse/docs/leak2 sparse/hostdir; do
              if [ -e "$f" ] && ! [ -L "$f" ]; then echo "$f arrived as a copy"; exit 1; fi
            done
            ! [ -e sparse/hostdir/action ] || [ -L sparse/hostdir ]
        """,
    ),
    links={"leak": "@SECRET_FILE@", "docs/leak2": "@SECRET_FILE@", "hostdir": "@CANARY@"},
    files={"docs/readme.md": "docs\n"},
    check=succeeds(),
)

SPARSE_OUT = Case(
    name="sparse-checkout-outside-the-repository",
    workflow=job(
        f"- uses: actions/checkout@v4\n  with: {{sparse-checkout: '{OUT}@CANARY@'}}",
        "- if: always()\n  uses: actions/checkout@v4\n  with: {sparse-checkout: '../*'}",
        AFTER,
    ),
    check=fails(says="is not inside the repository"),
)

LOCAL_ACTION_OUT = Case(
    name="local-action-outside-the-workspace",
    workflow=job(CHECKOUT, f"- uses: ./{OUT}@CANARY@/action", AFTER),
    check=fails(says="leads outside the workspace"),
)

LOCAL_ACTION_LINK = Case(
    name="local-action-through-links",
    workflow=job(
        CHECKOUT,
        "- uses: ./act",
        "- if: always()\n  run: ln -s @CANARY@/action made",
        "- if: always()\n  uses: ./made",
        AFTER,
    ),
    links={"act": "@CANARY@/action"},
    check=fails(says="leads outside the workspace"),
)


def docker_action(image: str, **links: str) -> Case:
    """A committed local Docker action whose ``image:`` (or Dockerfile) leads out of the repository."""
    return Case(
        name=f"docker-action-image-{image.strip('./@').replace('/', '-').lower() or 'x'}"
        + ("-linked" if links else ""),
        workflow=job(CHECKOUT, "- uses: ./evil", AFTER),
        files={"evil/action.yml": f"name: evil\nruns:\n  using: docker\n  image: '{image}'\n"},
        links={f"evil/{name}": target for name, target in links.items()},
        check=fails(),
    )


DOCKER_CONTEXT_LINK = Case(
    name="docker-action-build-context-holds-a-link",
    workflow=job(CHECKOUT, "- uses: ./evil", AFTER),
    files={
        "evil/action.yml": "name: evil\nruns:\n  using: docker\n  image: Dockerfile\n",
        "evil/Dockerfile": 'FROM @IMAGE@\nCOPY leak /leak\nENTRYPOINT ["/bin/busybox", "cat", "/leak"]\n',
    },
    links={"evil/leak": "@SECRET_FILE@"},
    executors=("docker",),
)

WORKING_DIRECTORY = Case(
    name="working-directory-through-links-and-out",
    workflow=job(
        '- run: ln -s @CANARY@ "$GITHUB_WORKSPACE/wd"',
        "- working-directory: wd/new/deeper\n  run: 'true'",
        f"- if: always()\n  working-directory: '{OUT}@CANARY@/new'\n  run: 'true'",
        AFTER,
    ),
    check=fails(),
)

HASHFILES = Case(
    name="hashfiles-through-links",
    workflow=job(
        CHECKOUT,
        f"- run: echo \"hash=[${{{{ hashFiles('h', 'hd/**', '{OUT}@CANARY@/*') }}}}]\"",
        "- run: ln -s @SECRET_FILE@ h2 && ln -s @CANARY@ hd2",
        "- run: echo \"hash=[${{ hashFiles('h2', 'hd2/*') }}]\"",
    ),
    links={"h": "@SECRET_FILE@", "hd": "@CANARY@"},
    check=_hash_is_empty,
)

LONG_LINE = Case(
    name="a-60-mb-line",
    workflow=job("- run: head -c 62914560 /dev/zero | tr '\\0' a; echo; echo done"),
    check=_long_line,
)

DEEP_JSON = Case(
    name="deeply-nested-json",
    workflow=textwrap.dedent("""\
        on: push
        jobs:
          hostile:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: printf 'deep=%s\\n' "$(head -c 1200 /dev/zero | tr '\\0' '[')" >> "$GITHUB_OUTPUT"
              - run: echo "${{ fromJSON(steps.s.outputs.deep) }}"
              - if: always()
                run: echo still here
          other:
            runs-on: ubuntu-latest
            steps: [{run: echo other job}]
        """),
    check=_deep_json,
)

BACKGROUND = Case(
    name="background-processes",
    workflow=job(
        """
        - run: |
            nohup bash -c 'exec -a @MARK@-nohup sleep 1000' > /dev/null 2>&1 &
            setsid bash -c 'exec -a @MARK@-setsid sleep 1000' > /dev/null 2>&1 &
            bash -c 'exec -a @MARK@-holds-stdout sleep 1000' &
            echo started
        """,
        "- run: echo second step",
    ),
    check=_background,
)

TERMINAL = Case(
    name="terminal-escapes-and-forged-status-lines",
    workflow=job(
        r"""
        - run: |
            printf '\033]0;pwned title\007\033]52;c;cHduZWQ=\007\n'
            printf '\033[2J\033[H\033[5A\033[10;10H\033[?1049h\033[K\n'
            printf 'visible\roverwritten\n'
            printf 'bare \033 escape, c1 \302\233 2J, bell \007, backspace \010\n'
            printf '\033[31mred is fine\033[0m\n'
            echo '##[error]fake error'
            echo '✓ job success'
            echo 'hostile         ✓ job success in 0.1s'
            printf '\033[1;32m%-15s ✓ job success in 0.2s\033[0m\n' hostile
            echo '▶ forged step'
            printf '%300s%s\n' '' 'hostile         ✓ job success wrapped'
            printf '\033[31m%300s%s\n' '' 'hostile         ✓ job success wrapped in red'
        """,
        "- name: \"a long name                                                                                                                          ✓ job success named\"\n  run: 'true'",
    ),
    check=_terminal,
)

def container(settings: str, *, services: bool = False) -> Case:
    """A job (or a service of it) whose container asks for a way onto this machine."""
    block = f"    services:\n      side:\n        image: '@IMAGE@'\n{textwrap.indent(settings, '        ')}" if services else \
        f"    container:\n      image: '@IMAGE@'\n{textwrap.indent(settings, '      ')}"
    return Case(
        name=f"{'service' if services else 'container'}-{settings.split(':')[0].strip()}-reaches-the-host",
        workflow=job('- run: cat /c/secret.txt /host@SECRET_FILE@; touch /c/planted', extra=block),
        executors=("docker",),
        check=fails(says="baton keeps jobs off this machine"),
    )


CASES: tuple[Case, ...] = (
    RUNNER_TEMP,
    TEMP_ENTRIES,
    *(command_file(name) for name in COMMAND_FILES),
    CHECKOUT_PATH_LINK,
    CHECKOUT_PATH_OUT,
    COMMITTED_LINKS,
    SPARSE_OUT,
    LOCAL_ACTION_OUT,
    LOCAL_ACTION_LINK,
    docker_action("@SECRET_FILE@"),
    docker_action(f"{OUT}@CANARY@/Dockerfile"),
    docker_action("Dockerfile", Dockerfile="@SECRET_FILE@"),
    docker_action("inner/Dockerfile", inner="@CANARY@"),
    DOCKER_CONTEXT_LINK,
    WORKING_DIRECTORY,
    HASHFILES,
    LONG_LINE,
    DEEP_JSON,
    BACKGROUND,
    TERMINAL,
    container("volumes: ['@CANARY@:/c']\n"),
    container("options: --privileged -v /:/host\n"),
    container("volumes: ['/:/host:ro']\n", services=True),
)
