"""Whole values given as one ``${{ }}`` whose result has the wrong shape: the job or step
fails with an error at the expression's position, and the other jobs run on."""

from __future__ import annotations

from pathlib import Path

from runner.status import Conclusion
from tests.engine.test_scheduler import run

WORKFLOW = """
on: push
jobs:
  env-list:
    runs-on: ubuntu-latest
    env: ${{ fromJSON('[1, 2]') }}
    steps: [{run: "true"}]
  strategy-string:
    runs-on: ubuntu-latest
    strategy: ${{ github.event_name }}
    steps: [{run: "true"}]
  job-flag:
    runs-on: ubuntu-latest
    continue-on-error: ${{ fromJSON('{"a":1}') }}
    steps: [{run: "true"}]
  steps:
    runs-on: ubuntu-latest
    steps:
      - uses: ./nowhere
        with: ${{ fromJSON('{"a":{"b":1}}') }}
      - if: always()
        timeout-minutes: ${{ 'soon' }}
        run: "true"
      - if: always()
        env: ${{ 'x' }}
        run: "true"
  fine:
    runs-on: ubuntu-latest
    env: ${{ fromJSON('{"A":"a"}') }}
    steps: [{run: '[ "$A" = a ]'}]
  runs-on-null:
    runs-on: ${{ fromJSON('null') }}
    steps: [{run: "true"}]
  runs-on-lists:
    runs-on: [ubuntu-latest, "${{ fromJSON('[[1]]') }}"]
    steps: [{run: "true"}]
"""


async def test_wrong_shapes_fail_their_job_or_step_at_the_expression(tmp_path: Path) -> None:
    conclusion, seen = await run(WORKFLOW, tmp_path)
    assert conclusion == Conclusion.FAILURE
    reasons = {key: seen.finished(key).reason
               for key in ("env-list", "strategy-string", "job-flag", "runs-on-null", "runs-on-lists")}
    wanted = "'runs-on' must give a label, a list of labels or {group, labels}"
    assert reasons == {
        "runs-on-null": f"ci.yml:32:14: {wanted}, not null",
        "runs-on-lists": f"ci.yml:35:30: {wanted}, not a sequence holding a sequence",
        "env-list": "ci.yml:6:10: the value of 'env' does not fit: 'env' must be a mapping, not a sequence",
        "strategy-string": "ci.yml:10:15: the value of 'strategy' does not fit: 'strategy' must be a mapping, not a string",
        "job-flag": "ci.yml:14:24: 'continue-on-error' must be true or false, not a mapping",
    }
    assert [s.conclusion for s in seen.steps("steps")] == [Conclusion.FAILURE] * 3
    log = seen.log("steps")
    assert "ci.yml:20:15: the value of 'with' does not fit: 'with.a' must be a string, not a mapping" in log
    assert "ci.yml:22:26: 'timeout-minutes' must be a number of minutes, not 'soon'" in log
    assert "ci.yml:25:14: the value of 'env' does not fit: 'env' must be a mapping, not a string" in log
    assert seen.finished("fine").conclusion == Conclusion.SUCCESS
    assert {seen.finished(key).conclusion for key in ("runs-on-null", "runs-on-lists")} == {Conclusion.FAILURE}
