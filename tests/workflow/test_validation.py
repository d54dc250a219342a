"""The validator reports every error of a file, each at its line and column."""

from __future__ import annotations

import textwrap

import pytest

from runner.workflow import check
from runner.workflow.loader import load_text
from runner.expr import Status, Value
from runner.workflow.text import Text

HEAD = "on: push\njobs:\n"


def diagnostics(text: str) -> list[str]:
    source = textwrap.dedent(text)
    _, found = check(load_text(source, "w.yml"), "w.yml")
    return [str(d) for d in found]


def job(body: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body), "  ")


CASES = [
    pytest.param(
        job("call:\n  uses: ./.github/workflows/c.yml\n  with: [a]\n"),
        ["w.yml:5:11: error: 'with' must be a mapping, not a sequence"],
        id="reusable-with-not-a-mapping",
    ),
    pytest.param(
        job("call:\n  uses: ./.github/workflows/c.yml\n  with:\n    a: {b: 1}\n    c: [1]\n"),
        ["w.yml:6:10: error: 'with.a' must be a string, number or boolean (an input's value), not a mapping",
         "w.yml:7:10: error: 'with.c' must be a string, number or boolean (an input's value), not a sequence"],
        id="reusable-with-values-not-scalars",
    ),
    pytest.param(
        HEAD + "  a:\n    runs-on: x\n    stepz: []\n",
        ["w.yml:5:5: error: unknown key 'stepz' in job 'a'; did you mean 'steps'?", "w.yml:4:5: error: job 'a' has no 'steps'"],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        job("a:\n  steps: [{run: x}]\n"),
        ["w.yml:4:5: error: job 'a' is missing required key 'runs-on'"],
        id="missing-runs-on",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - run: x\n      uses: actions/checkout@v4\n"),
        ["w.yml:6:9: error: step 1 (jobs.a.steps[0]) has both 'run' and 'uses'; a step does one or the other"],
        id="run-and-uses",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - name: nothing\n"),
        ["w.yml:6:9: error: step 1 (jobs.a.steps[0]) has neither 'run' nor 'uses'"],
        id="neither-run-nor-uses",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  needs: nope\n  steps: [{run: x}]\n"),
        ["w.yml:5:12: error: job 'a' needs 'nope', which is not a job of this workflow (jobs: none)"],
        id="needs-unknown",
    ),
    pytest.param(
        job(
            "a:\n  runs-on: x\n  needs: c\n  steps: [{run: x}]\n"
            "b:\n  runs-on: x\n  needs: a\n  steps: [{run: x}]\n"
            "c:\n  runs-on: x\n  needs: b\n  steps: [{run: x}]\n"
        ),
        ["w.yml:3:3: error: jobs depend on each other in a cycle: a -> c -> b -> a"],
        id="cycle",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - {id: s, run: x}\n    - {id: s, run: y}\n"),
        ["w.yml:7:14: error: duplicate step id 's' (first used at line 6, column 14)"],
        id="duplicate-step-id",
    ),
    pytest.param(
        "on: push\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:4:3: error: duplicate key 'a' (first defined at line 3, column 3)"],
        id="duplicate-job-id",
    ),
    pytest.param(
        "on:\n  schedule:\n    - cron: '61 * * * *'\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:3:13: error: cron '61 * * * *': minute field '61': 61 is out of range 0-59"],
        id="bad-cron",
    ),
    pytest.param(
        "on:\n  push:\n    branches: ['main', 'feat/[ab']\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:3:30: error: invalid pattern 'feat/[ab' in 'on.push.branches'"],
        id="bad-glob",
    ),
    pytest.param(
        "on:\n  push:\n    branches: [main]\n    branches-ignore: [dev]\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:4:5: error: 'branches' and 'branches-ignore' cannot both be used for the same event in 'on.push'"],
        id="branches-and-ignore",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - run: echo ${{ github.sha == }}\n"),
        ["w.yml:6:34: error: expression: Unexpected end of expression"],
        id="expression-syntax",
    ),
    pytest.param(
        "on: push\nrun-name: ${{ matrix.os }}\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:2:15: error: expression: Unrecognized named-value: 'matrix'"],
        id="context-not-allowed-run-name",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  if: secrets.X == ''\n  steps: [{run: x}]\n"),
        ["w.yml:5:9: error: expression: Unrecognized named-value: 'secrets'"],
        id="context-not-allowed-job-if",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  strategy:\n    matrix:\n      os: []\n  steps: [{run: x}]\n"),
        ["w.yml:7:13: error: matrix vector 'os' has no values"],
        id="empty-matrix-vector",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  strategy:\n    matrix: {}\n  steps: [{run: x}]\n"),
        ["w.yml:6:15: error: the matrix is empty; it needs at least one vector or an 'include' entry"],
        id="empty-matrix",
    ),
    pytest.param(
        "on: pushh\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n",
        ["w.yml:1:5: error: unknown event 'pushh'; did you mean 'push'?"],
        id="unknown-event",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  timeout-minutes: soon\n  steps: [{run: x}]\n"),
        ["w.yml:5:22: error: 'timeout-minutes' must be a number of minutes or an expression, not a string"],
        id="wrong-type",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  strategy: {max-parallel: 0, matrix: {n: [1]}}\n  steps: [{run: x}]\n"),
        ["w.yml:5:30: error: 'max-parallel' must be a positive number"],
        id="max-parallel-not-positive",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - {id: s, run: x, background: yes}\n    - {wait: s, if: x}\n    - {wait: s, cancel: s}\n    - {cancel: t}\n"),
        ["w.yml:6:37: error: 'background' must be true or false, not a string",
         "w.yml:7:19: error: unknown key 'if' in a step that waits or cancels; expected one of: continue-on-error, id, name, wait",
         "w.yml:8:9: error: a step has one of 'wait', 'wait-all' and 'cancel', not 'wait' and 'cancel'",
         "w.yml:9:9: warning: 'cancel: t' names no background step before it in this job"],
        id="background-step-controls",
    ),
    pytest.param(
        job("a:\n  runs-on: x\n  steps:\n    - uses: actions/checkout\n"),
        ["w.yml:6:15: error: 'uses: actions/checkout' is not an action: expected {owner}/{repo}[/path]@{ref}, ./path or docker://image"],
        id="uses-without-ref",
    ),
    pytest.param("jobs:\n  a: {runs-on: x, steps: [{run: x}]}\n", ["w.yml:1:1: error: the workflow is missing required key 'on'"], id="no-on"),
    pytest.param(
        "on:\n\tpush\n",
        ["w.yml:2:1: error: invalid YAML: tab character used for indentation; YAML allows only spaces"],
        id="tabs",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_reports_located_errors(text: str, expected: list[str]) -> None:
    found = diagnostics(text)
    for want in expected:
        assert any(d.startswith(want) for d in found), f"{want!r} not in {found!r}"


def test_all_errors_of_a_file_at_once() -> None:
    text = job(
        "a:\n  runs-on: x\n  stepz: []\n"
        "b:\n  runs-on: x\n  needs: zz\n  steps: [{run: x, uses: y/z@v1}]\n"
    )
    assert len([d for d in diagnostics(text) if ": error: " in d]) >= 3


def test_on_key_stays_a_string_and_yes_is_not_true() -> None:
    text = "on: push\nenv:\n  A: yes\n  B: 3.10\n  C: 0x10\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n"
    workflow, found = check(load_text(text, "w.yml"), "w.yml")
    assert workflow is not None, found
    assert list(workflow.on.events) == ["push"]
    assert [workflow.env[k].source for k in "ABC"] == ["yes", "3.1", "16"]


def test_a_jobs_if_may_name_the_needed_jobs_its_status_functions_look_at() -> None:
    """GitHub's schema gives a job's if success(0,MAX) and failure(0,MAX), a step's if
    success(0,0); its reader tests (testdata/reader/job-if.yml) take success('build', 'build2')."""
    text = job("a: {runs-on: x, steps: [{run: x}]}\nb: {runs-on: x, steps: [{run: x}]}\n"
               "c:\n  needs: [a, b]\n  if: success('a') && failure('B')\n  runs-on: x\n  steps: [{run: x}]\n")
    workflow, found = check(load_text(text, "w.yml"), "w.yml")
    assert workflow is not None and not found, [str(d) for d in found]
    condition = workflow.jobs["c"].condition
    assert condition is not None
    needs: dict[str, Value] = {"a": {"result": "success"}, "b": {"result": "failure"}}
    assert condition.holds({"needs": needs}, status=Status(job="failure"))
    assert not condition.holds({"needs": {**needs, "a": {"result": "skipped"}}}, status=Status(job="failure"))
    assert not condition.holds({"needs": needs}, status=Status(job="failure", is_cancelled=True))
    step = diagnostics(job("a:\n  runs-on: x\n  steps:\n    - run: x\n      if: success('a')\n"))
    assert step == ["w.yml:7:13: error: expression: Too many parameters supplied: 'success'. Located at position 1 within expression: success('a')"]


def test_an_explicit_core_tag_types_its_scalar() -> None:
    """As GitHub's reader does (actions/languageservices testdata/reader/yaml-schema-int.yml)."""
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        v: [!!int 0xff, !!int 0o10, !<tag:yaml.org,2002:int> +1, !!float 2, !!bool true, !!int nope, 0755]\n    steps: [{run: x}]\n"
    workflow, found = check(load_text(text, "w.yml"), "w.yml")
    assert workflow is not None, found
    strategy = workflow.jobs["a"].strategy
    assert strategy is not None and isinstance(strategy.matrix, dict)
    values = [v.source if isinstance(v, Text) else v for v in strategy.matrix["v"]]
    assert values == [255, 8, 1, 2.0, True, "nope", 755]


def test_valid_workflow_has_no_diagnostics() -> None:
    text = """
    name: ci
    on:
      push:
        branches: [main, 'releases/**']
        paths-ignore: ['docs/**']
      pull_request:
        types: [opened, synchronize]
      schedule:
        - cron: '0 3 * * 1-5'
      workflow_dispatch:
        inputs:
          level:
            type: choice
            options: [low, high]
            default: low
    env:
      FOO: ${{ github.ref }}
    concurrency:
      group: ${{ github.workflow }}-${{ github.ref }}
      cancel-in-progress: true
    permissions:
      contents: read
    jobs:
      build:
        runs-on: ${{ matrix.os }}
        strategy:
          fail-fast: false
          matrix:
            os: [ubuntu-latest, macos-latest]
            py: ['3.11', '3.12']
            include:
              - os: ubuntu-latest
                experimental: true
        container:
          image: python:3.12
          options: --cpus 1
        services:
          redis:
            image: redis
            ports: ['6379:6379']
        outputs:
          v: ${{ steps.x.outputs.v }}
        steps:
          - uses: actions/checkout@v4
          - id: x
            if: matrix.os == 'ubuntu-latest' && env.FOO
            run: echo "v=1" >> "$GITHUB_OUTPUT"
            shell: bash
            timeout-minutes: 5
            continue-on-error: ${{ matrix.experimental == true }}
      deploy:
        needs: build
        uses: ./.github/workflows/deploy.yml
        with:
          v: ${{ needs.build.outputs.v }}
        secrets: inherit
    """
    assert diagnostics(text) == []


ACCEPTED = [
    pytest.param("on:\n  push:\n    branch: master\n", "unknown key 'branch' in on.push has no effect", id="unknown-event-key-ignored"),
    pytest.param("on:\n  schedule:\n    - cron: '30 9 * * 1-5'\n      timezone: America/New_York\n", None, id="schedule-timezone"),
    pytest.param("on:\n  image_version:\n    names: [my-image]\n    types: [ready]\n", None, id="image-version-event"),
    pytest.param("description: Builds and tests\non: push\n", None, id="workflow-description"),
    pytest.param("on: push\nconcurrency:\n  group: deploy\n  queue: max\n", None, id="concurrency-queue"),
    pytest.param("on:\n  merge_group:\n    branches: [main]\n", None, id="merge-group-branches"),
    pytest.param("name:\non: push\n", None, id="null-workflow-name"),
    pytest.param(
        "on:\n  workflow_dispatch:\n    inputs:\n      level:\n        type: choice\n        options: [low, high]\n        default: ''\n",
        "w.yml:7:18: warning: default '' of on.workflow_dispatch.inputs.level is not one of its options",
        id="choice-default-outside-options",
    ),
    pytest.param(
        "on:\n  create:\n    tags: ['**']\n",
        "w.yml:3:5: warning: unknown key 'tags' in on.create has no effect (GitHub ignores it); on.create takes no settings",
        id="settings-of-an-event-that-takes-none",
    ),
]


def test_a_timeout_of_any_number_is_accepted_and_zero_or_less_sets_none() -> None:
    """GitHub's parser takes any number (its own tests read -999… as -Infinity); the runner
    then sets no step timeout for one of zero or less, and a job keeps the default."""
    text = job("a:\n  runs-on: x\n  timeout-minutes: 0\n  cancel-timeout-minutes: -1\n  steps:\n    - run: x\n      timeout-minutes: -5\n    - run: y\n      timeout-minutes: .inf\n")
    workflow, found = check(load_text(textwrap.dedent(text), "w.yml"), "w.yml")
    assert workflow is not None and found == (), [str(d) for d in found]
    a = workflow.jobs["a"]
    assert (a.timeout_minutes, a.cancel_timeout_minutes) == (360, None)
    assert [step.timeout_minutes for step in a.steps] == [None, None]
"""Workflows GitHub runs that an earlier baton refused (found on real repositories)."""

JOB_TAIL = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo hi}]\n"


@pytest.mark.parametrize(("head", "warning"), ACCEPTED)
def test_github_accepts_so_baton_accepts(head: str, warning: str | None) -> None:
    found = diagnostics(head + JOB_TAIL)
    assert not [d for d in found if ": error: " in d], found
    if warning:
        assert any(warning in d for d in found), found


def test_empty_names_and_working_directory_read_as_not_given() -> None:
    text = "on: push\njobs:\n  a:\n    name:\n    runs-on: x\n    cancel-timeout-minutes: 5\n    steps:\n      - name:\n        working-directory:\n        run: echo hi\n"
    workflow, found = check(load_text(text, "w.yml"), "w.yml")
    assert workflow is not None, found
    assert workflow.jobs["a"].name is None and workflow.jobs["a"].steps[0].name is None


def test_bad_timezone_is_an_error() -> None:
    found = diagnostics("on:\n  schedule:\n    - cron: '0 0 * * *'\n      timezone: Mars/Olympus\n" + JOB_TAIL)
    assert any("'Mars/Olympus' is not a time zone name" in d for d in found), found
