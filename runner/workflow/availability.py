"""Which contexts an expression may read, by where it stands.

These are the ``context`` lists of GitHub's workflow schema (each place also has those of
the places around it); ``tests/workflow/test_schema.py`` checks every place of the schema
against what the reader accepts. An expression naming a context its place does not offer
is rejected at load, as GitHub rejects it ("Unrecognized named-value").
"""

from __future__ import annotations

_BASE = frozenset({"github", "inputs", "vars"})
_JOB = _BASE | {"needs", "strategy", "matrix"}
_STEP = _JOB | {"job", "runner", "env", "steps"}

WORKFLOW_LEVEL = _BASE
"""``run-name``, workflow ``concurrency``, ``on.workflow_call.inputs.*.default``."""
WORKFLOW_ENV = _BASE | {"secrets"}
"""Workflow ``env``."""
WORKFLOW_CALL_OUTPUT = _BASE | {"jobs"}
"""``on.workflow_call.outputs.*.value``."""
JOB_IF = _BASE | {"needs"}
"""Job ``if``."""
STRATEGY = _BASE | {"needs"}
"""Job ``strategy``."""
JOB = _JOB
"""Job ``name``, ``runs-on``, ``concurrency``, ``environment``, ``timeout-minutes``,
``continue-on-error``, ``container``/``services`` (image, ports, options), ``with``."""
JOB_ENV = _JOB | {"secrets"}
"""Job ``env``, ``secrets.*``."""
JOB_DEFAULTS = _JOB | {"env"}
"""Job ``defaults.run``."""
CREDENTIALS = _JOB | {"env", "secrets"}
"""``container.credentials``, ``services.*.credentials``."""
CONTAINER_ENV = _STEP | {"secrets"}
"""``container.env``, ``services.*.env``."""
JOB_OUTPUTS = _STEP | {"secrets"}
"""Job ``outputs``."""
ENVIRONMENT_URL = _STEP
"""``environment.url`` (evaluated after the steps)."""
STEP_IF = _STEP
"""Step ``if`` (no ``secrets``)."""
STEP = _STEP | {"secrets"}
"""Step ``name``, ``run``, ``env``, ``with``, ``working-directory``, ``shell``,
``continue-on-error``, ``timeout-minutes``."""
