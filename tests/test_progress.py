"""The one fold of run events into runs, jobs and steps (printer, store and dashboard share it)."""

from __future__ import annotations

from runner.events import Annotation, Event, JobStarted, LogLines, StepFinished, StepStarted
from runner.progress import JobView, Progress
from runner.status import Conclusion, RunId
from tests.store.events import T0, whole_run

RID = RunId("r1")


def folded(events: list[Event]) -> Progress:
    progress = Progress()
    for event in events:
        progress.apply(event)
    return progress


def test_a_whole_run_folds_into_its_jobs_and_steps() -> None:
    progress = folded(whole_run("r1", conclusion=Conclusion.FAILURE))
    build, test = progress.jobs[(RID, "build")], progress.jobs[(RID, "test.1")]
    assert list(progress.jobs) == [(RID, "build"), (RID, "test.1")], "in the order they were queued"
    assert (build.status, build.conclusion, build.outputs, build.executor) == ("completed", Conclusion.FAILURE, {"version": "1.2"}, "local")
    assert (build.started, build.finished) == (T0 + 1, T0 + 3)
    assert [(s.name, s.conclusion, s.duration) for s in build.steps.values()] == [
        ("Checkout", Conclusion.SUCCESS, 1.0),
        ("Compile", Conclusion.FAILURE, 1.0),
        ("Upload", Conclusion.SKIPPED, None),
    ]
    assert (test.needs, test.matrix, test.summary) == (("build",), {"py": "3.12"}, "## ok")
    run = progress.runs[RID]
    assert (run.conclusion, run.finished, run.started.workflow) == (Conclusion.FAILURE, T0 + 7, "CI")


def test_a_running_step_has_no_result_yet_and_log_lines_change_nothing() -> None:
    progress = folded(whole_run("r1")[:5])  # up to the first step's StepStarted
    step = progress.jobs[(RID, "build")].steps[0]
    assert (step.status, step.outcome, step.duration) == ("running", None, None)
    assert progress.apply(LogLines(run_id=RID, job_key="build", index=0, lines=("x",))) is None


def test_events_of_a_job_never_queued_make_it_from_its_key() -> None:
    progress = Progress()
    job = progress.apply(JobStarted(run_id=RID, job_key="set-up.2", executor="local", at=T0))
    assert isinstance(job, JobView)
    assert (job.job_id, job.name, job.status, job.executor) == ("set-up", "set-up.2", "running", "local")
    noted = progress.apply(Annotation(run_id=RID, job_key="other", index=0, level="error", message="m"))
    assert isinstance(noted, JobView) and noted.job_id == "other"


def test_a_finished_step_keeps_the_time_it_started() -> None:
    progress = Progress()
    progress.apply(StepStarted(run_id=RID, job_key="a", index=0, name="s", at=T0))
    progress.apply(
        StepFinished(
            run_id=RID, job_key="a", index=0, name="s", outcome=Conclusion.SUCCESS, conclusion=Conclusion.SUCCESS,
            outputs={"o": "1"}, started=T0 + 0.5, at=T0 + 2,
        )
    )  # fmt: skip
    step = progress.jobs[(RID, "a")].steps[0]
    assert (step.started, step.duration, step.outputs, step.status) == (T0, 2.0, {"o": "1"}, "completed")


def test_forget_drops_a_run_and_its_jobs() -> None:
    progress = folded(whole_run("r1") + whole_run("r2"))
    progress.forget(RID)
    assert set(progress.runs) == {RunId("r2")}
    assert {key for key, _ in progress.jobs} == {RunId("r2")}
