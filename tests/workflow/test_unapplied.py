"""A run names the settings baton validates but does not apply."""

from __future__ import annotations

import textwrap

import pytest

from runner.workflow import check
from runner.workflow.loader import load_text
from runner.workflow.unapplied import unapplied_settings


def note(text: str) -> str | None:
    workflow, diagnostics = check(load_text(textwrap.dedent(text), "w.yml"), "w.yml")
    assert workflow is not None, diagnostics
    return unapplied_settings(workflow)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("on: push\njobs:\n  a: {runs-on: x, steps: [{run: x}]}\n", None, id="none"),
        pytest.param(
            """
            on: push
            concurrency: ci
            permissions: read-all
            jobs:
              a: {runs-on: x, environment: prod, cancel-timeout-minutes: 2, steps: [{run: x}]}
              b: {runs-on: x, concurrency: {group: b}, permissions: {contents: read}, steps: [{run: x}]}
            """,
            "w.yml: baton does not apply 'concurrency' (the workflow), 'permissions' (the workflow, job b),"
            " 'cancel-timeout-minutes' (job a), 'environment' (job a); ignored",
            id="workflow-and-jobs",
        ),
    ],
)
def test_unapplied_settings_are_named_once_each(text: str, expected: str | None) -> None:
    assert note(text) == expected
