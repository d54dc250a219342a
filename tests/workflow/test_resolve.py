"""Whole values given as one ``${{ }}``: checked at load, read again once evaluated."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.errors import ExpressionError
from runner.expr import Value
from runner.workflow import check
from runner.workflow.loader import load_text
from runner.workflow.model import Container, Job, RunDefaults, Strategy, Workflow
from runner.workflow.resolve import (
    resolve_container,
    resolve_defaults,
    resolve_flag,
    resolve_runs_on,
    resolve_services,
    resolve_strategy,
    resolve_text_list,
    resolve_texts,
    resolve_timeout,
)
from runner.workflow.text import Text

HEAD = "on: push\njobs:\n  a:\n    runs-on: x\n"


def workflow(body: str) -> Workflow:
    text = HEAD + textwrap.indent(textwrap.dedent(body), "    ")
    found, diagnostics = check(load_text(text, "w.yml"), "w.yml")
    assert found is not None, [str(d) for d in diagnostics]
    return found


def errors(body: str) -> list[str]:
    text = HEAD + textwrap.indent(textwrap.dedent(body), "    ")
    return [str(d) for d in check(load_text(text, "w.yml"), "w.yml")[1] if d.severity == "error"]


def job(body: str) -> Job:
    return workflow(body).jobs["a"]


def literal(texts: dict[str, Text] | tuple[Text, ...]) -> Any:
    """The values of resolved texts (they are literal now)."""
    if isinstance(texts, dict):
        return {k: v.evaluate({}) for k, v in texts.items()}
    return [t.evaluate({}) for t in texts]


CONTEXTS: dict[str, Value] = {"github": {"event_name": "push"}, "matrix": {"n": 2}, "needs": {}, "inputs": {}, "vars": {}, "strategy": {}}


def test_job_env_and_step_env_and_with() -> None:
    a = job("""
        env: ${{ fromJSON('{"A":"1","N":2}') }}
        steps:
          - uses: ./x
            env: ${{ fromJSON('{"S":true}') }}
            with: ${{ fromJSON(format('{{"n":"{0}"}}', matrix.n)) }}
        """)
    assert literal(resolve_texts(a.env, CONTEXTS, "env")) == {"A": "1", "N": "2"}
    step = a.steps[0]
    assert literal(resolve_texts(step.env, CONTEXTS, "env")) == {"S": "true"}
    assert literal(resolve_texts(step.with_, CONTEXTS, "with")) == {"n": "2"}


def test_an_evaluated_string_is_data_not_an_expression() -> None:
    a = job("""
        env: ${{ fromJSON('{"A":"${{ github.event_name }}"}') }}
        steps: [{run: x}]
        """)
    assert literal(resolve_texts(a.env, CONTEXTS, "env")) == {"A": "${{ github.event_name }}"}


def test_strategy_container_services_defaults() -> None:
    a = job("""
        strategy: ${{ fromJSON('{"matrix":{"n":[1,2]},"fail-fast":false,"max-parallel":1}') }}
        container: ${{ fromJSON('{"image":"alpine","env":{"E":"e"},"ports":[80]}') }}
        services: ${{ fromJSON('{"db":"postgres","cache":{"image":"redis","volumes":["/v"]}}') }}
        defaults:
          run: ${{ fromJSON('{"shell":"bash"}') }}
        steps: [{run: x}]
        """)
    strategy = resolve_strategy(a.strategy, CONTEXTS)
    assert isinstance(strategy, Strategy) and strategy.fail_fast is False and strategy.max_parallel == 1
    assert a.container is not None
    container = resolve_container(a.container, CONTEXTS, "container")
    assert container.image.source == "alpine"
    assert literal(resolve_texts(container.env, CONTEXTS, "env")) == {"E": "e"}
    assert literal(resolve_text_list(container.ports, CONTEXTS, "ports")) == ["80"]
    services = resolve_services(a.services, CONTEXTS)
    assert {name: s.image.source for name, s in services.items()} == {"db": "postgres", "cache": "redis"}
    assert literal(resolve_text_list(services["cache"].volumes, CONTEXTS, "volumes")) == ["/v"]
    defaults = resolve_defaults(a.defaults, CONTEXTS)
    assert isinstance(defaults, RunDefaults) and defaults.shell is not None and defaults.shell.source == "bash"


def test_each_part_of_a_written_container_may_be_one_expression() -> None:
    a = job("""
        container:
          image: alpine
          env: ${{ fromJSON('{"E":"e"}') }}
          volumes: ${{ fromJSON('["/a","/b"]') }}
          credentials: ${{ fromJSON('{"username":"u","password":"p"}') }}
        services:
          db: ${{ fromJSON('{"image":"postgres"}') }}
        steps: [{run: x}]
        """)
    assert isinstance(a.container, Container)
    assert literal(resolve_text_list(a.container.volumes, CONTEXTS, "volumes")) == ["/a", "/b"]
    assert isinstance(a.container.credentials, Text)
    assert literal(resolve_texts(a.container.credentials, CONTEXTS, "credentials")) == {"username": "u", "password": "p"}
    assert resolve_services(a.services, CONTEXTS)["db"].image.source == "postgres"


@pytest.mark.parametrize(
    ("body", "resolve", "message"),
    [
        pytest.param(
            "env: ${{ fromJSON('[1]') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_texts(a.env, CONTEXTS, "env"),
            "w.yml:5:10: the value of 'env' does not fit: 'env' must be a mapping, not a sequence",
            id="env-list",
        ),
        pytest.param(
            "env: ${{ fromJSON('{\"A\":[1]}') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_texts(a.env, CONTEXTS, "env"),
            "w.yml:5:10: the value of 'env' does not fit: 'env.A' must be a string, not a sequence",
            id="env-value-list",
        ),
        pytest.param(
            "strategy: ${{ fromJSON('{\"matrix\":{\"n\":[]}}') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_strategy(a.strategy, CONTEXTS),
            "w.yml:5:15: the value of 'strategy' does not fit: matrix vector 'n' has no values",
            id="strategy-empty-vector",
        ),
        pytest.param(
            "strategy: ${{ fromJSON('{\"matrix\":{\"n\":[1]},\"fail-fast\":\"no\"}') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_strategy(a.strategy, CONTEXTS),
            "w.yml:5:15: the value of 'strategy' does not fit: 'fail-fast' must be true, false or an expression, not a string",
            id="strategy-fail-fast-string",
        ),
        pytest.param(
            "container: ${{ fromJSON('{\"env\":{}}') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_container(a.container, CONTEXTS, "container"),
            "w.yml:5:16: the value of 'container' does not fit: container is missing required key 'image'",
            id="container-no-image",
        ),
        pytest.param(
            "services: ${{ fromJSON('[\"redis\"]') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_services(a.services, CONTEXTS),
            "w.yml:5:15: the value of 'services' does not fit: 'services' must be a mapping, not a sequence",
            id="services-list",
        ),
        pytest.param(
            "timeout-minutes: ${{ 'soon' }}\nsteps: [{run: x}]\n",
            lambda a: resolve_timeout(a.timeout_minutes, CONTEXTS, "timeout-minutes"),
            "w.yml:5:22: 'timeout-minutes' must be a number of minutes, not 'soon'",
            id="timeout-string",
        ),
        pytest.param(
            "continue-on-error: ${{ fromJSON('[]') }}\nsteps: [{run: x}]\n",
            lambda a: resolve_flag(a.continue_on_error, CONTEXTS, "continue-on-error"),
            "w.yml:5:24: 'continue-on-error' must be true or false, not a sequence",
            id="continue-on-error-list",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_an_error_at_the_expression(body: str, resolve: Any, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        resolve(job(body))
    assert str(caught.value) == message


@pytest.mark.parametrize(("given", "minutes"), [("0", None), ("-5", None), ("'Infinity'", None), ("'1.5'", 1.5)])
def test_a_timeout_of_zero_or_less_or_infinite_sets_none(given: str, minutes: float | None) -> None:
    a = job("timeout-minutes: ${{ " + given + " }}\nsteps: [{run: x, timeout-minutes: 0}]\n")
    assert resolve_timeout(a.timeout_minutes, CONTEXTS, "timeout-minutes") == minutes
    assert a.steps[0].timeout_minutes is None


def test_numbers_and_flags_from_expressions() -> None:
    a = job("timeout-minutes: ${{ fromJSON('2') }}\ncontinue-on-error: ${{ 'true' }}\nsteps: [{run: x}]\n")
    assert resolve_timeout(a.timeout_minutes, CONTEXTS, "timeout-minutes") == 2
    assert resolve_flag(a.continue_on_error, CONTEXTS, "continue-on-error") is True


def runs_on(value: str) -> Job:
    found, diagnostics = check(load_text(f"on: push\njobs:\n  a:\n    runs-on: {value}\n    steps: [{{run: x}}]\n", "w.yml"), "w.yml")
    assert found is not None, [str(d) for d in diagnostics]
    return found.jobs["a"]


@pytest.mark.parametrize(
    ("value", "labels"),
    [
        ("linux", ["linux"]),
        ("[self-hosted, 3]", ["self-hosted", "3"]),
        ("{group: g, labels: [a, b]}", ["a", "b", "g"]),
        ("${{ matrix.n }}", ["2"]),
        ("\"${{ fromJSON('[\\\"a\\\", \\\"b\\\"]') }}\"", ["a", "b"]),
        ("[x, '${{ fromJSON(''[\"y\", \"z\"]'') }}']", ["x", "y", "z"]),
        ("\"${{ fromJSON('{\\\"group\\\": \\\"g\\\"}') }}\"", ["g"]),
    ],
)
def test_runs_on_gives_labels(value: str, labels: list[str]) -> None:
    job = runs_on(value)
    assert resolve_runs_on(job.runs_on, CONTEXTS, job.mark) == labels


@pytest.mark.parametrize(
    ("json_value", "shown"),
    [
        ("null", "null"),
        ('""', "''"),
        ("[]", "an empty sequence"),
        ("[[1]]", "a sequence holding a sequence"),
        ("[{}]", "a sequence holding a mapping"),
        ("{}", "a mapping without labels"),
        ("{\"labels\": []}", "a mapping whose labels are an empty sequence"),
        ("{\"os\": \"linux\"}", "a mapping with the key 'os'"),
    ],
)
def test_runs_on_of_the_wrong_shape_is_an_error_at_the_expression(json_value: str, shown: str) -> None:
    job = runs_on("${{ fromJSON(vars.where) }}")
    with pytest.raises(ExpressionError) as caught:
        resolve_runs_on(job.runs_on, {**CONTEXTS, "vars": {"where": json_value}}, job.mark)
    assert str(caught.value) == (
        f"w.yml:4:14: 'runs-on' must give a label, a list of labels or {{group, labels}}, not {shown}"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "outputs: ${{ fromJSON('{}') }}\nsteps: [{run: x}]\n",
            "w.yml:5:14: error: 'outputs' must be a mapping, not a string",
            id="outputs-take-no-whole-expression",
        ),
        pytest.param(
            "env: ${{ steps.x.outputs }}\nsteps: [{run: x}]\n",
            "w.yml:5:14: error: expression: Unrecognized named-value: 'steps'. Located at position 1 within expression: steps.x.outputs",
            id="job-env-cannot-read-steps",
        ),
        pytest.param(
            "strategy: ${{ fromJSON(matrix.x) }}\nsteps: [{run: x}]\n",
            "w.yml:5:28: error: expression: Unrecognized named-value: 'matrix'. Located at position 10 within expression: fromJSON(matrix.x)",
            id="strategy-cannot-read-matrix",
        ),
        pytest.param(
            "container:\n  image: x\n  env: ${{ env.A }}\nsteps: [{run: x}]\n",
            "w.yml:7:16: error: expression: Unrecognized named-value: 'env'. Located at position 1 within expression: env.A",
            id="container-env-whole-has-the-containers-contexts",
        ),
    ],
)
def test_load_checks_a_whole_expressions_contexts_and_place(body: str, message: str) -> None:
    assert message in errors(body)


def test_list_shows_no_matrix_size_until_a_strategy_expression_can_be_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        "on: push\njobs:\n"
        "  first: {runs-on: x, outputs: {s: '${{ steps.s.outputs.s }}'}, steps: [{id: s, run: x}]}\n"
        "  later: {needs: first, runs-on: x, strategy: '${{ fromJSON(needs.first.outputs.s) }}', steps: [{run: x}]}\n"
        "  known: {runs-on: x, strategy: '${{ fromJSON(''{\"matrix\":{\"n\":[1,2,3]}}'') }}', steps: [{run: x}]}\n"
    )
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["list", "--format", "json", str(path)]) == 0
    jobs = json.loads(capsys.readouterr().out)[0]["jobs"]
    assert {j["id"]: j["matrix_size"] for j in jobs} == {"first": 1, "later": None, "known": 3}
