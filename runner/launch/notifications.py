"""Telling people about finished runs: baton.toml's ``[notify.<name>]`` tables.

Each table names a notifier ``kind`` (a plugin's, through ``baton_register_notifiers``:
``webhook`` and ``desktop`` are built in), the conclusions it is for (``on``) and
optional filters (``repos``, ``workflows``, ``branches``). :class:`Notifications`
listens on a runtime's bus; when a run finishes it reads the run back from the store
and hands a :class:`~runner.api.Notice` to each matching notifier on a worker thread,
so no delivery (slow, retried, failing) ever holds up a run. A failed delivery is said
through ``say``, never raised.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from runner.api import FailedJob, Notice, Notifier, NotifierClass
from runner.config import Config
from runner.engine.masking import Masker
from runner.errors import BatonError, ConfigError
from runner.events import Event, EventBus, RunFinished
from runner.expr import Value
from runner.registry import notifier_classes, plugin_manager
from runner.status import Conclusion, RunId
from runner.store import Recorder, Store, annotations_of, get_run, jobs_of, previous_run
from runner.store.records import AnnotationRecord, JobRecord, RunRecord

REASONS = ("success", "failure", "cancelled", "fixed")
"""What a table's ``on`` may list."""

DEFAULT_ON = ("failure", "fixed")
"""A table without ``on`` is for runs that need someone."""

_FILTERS = ("repos", "workflows", "branches")
_OWN_KEYS = {"kind", "on", "secret", *_FILTERS}
"""The keys every table has; the rest are the notifier's own options (``url``, ...)."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One ``[notify.<name>]`` table: when, and to which notifier."""

    name: str
    on: frozenset[str]
    repos: frozenset[str] | None = None
    workflows: frozenset[str] | None = None
    branches: frozenset[str] | None = None
    notifier: Notifier

    def wants(self, run: RunRecord, reason: str) -> bool:
        """Whether this table is for ``run`` ending for ``reason``."""
        branch = run.ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        return (
            reason in self.on
            and (self.repos is None or repo_name(run) in self.repos)
            and (self.workflows is None or run.workflow in self.workflows or run.workflow_path in self.workflows
                 or Path(run.workflow_path).name in self.workflows)
            and (self.branches is None or branch in self.branches)
        )  # fmt: skip


def notification_rules(config: Config, secrets: Mapping[str, str]) -> tuple[Rule, ...]:
    """The configured notifiers (of the installed kinds), checked; ``secrets`` give the
    values their ``secret`` keys name. Raises :class:`ConfigError` naming the table and key."""
    if not config.notify:
        return ()
    classes = notifier_classes(plugin_manager())
    where = ", ".join(str(path) for path in config.files) or None
    return tuple(_rule(name, table, classes, secrets, where) for name, table in config.notify.items())


def _rule(
    name: str, table: Mapping[str, Value], classes: Mapping[str, NotifierClass], secrets: Mapping[str, str],
    where: str | None,
) -> Rule:  # fmt: skip
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in classes:
        known = ", ".join(sorted(classes)) or "none"
        raise ConfigError(f"[notify.{name}] kind must name a notifier (installed: {known}), not {kind!r}", where=where)
    on = _names(table, "on", name, where) or frozenset(DEFAULT_ON)
    unknown = sorted(on - set(REASONS))
    if unknown:
        raise ConfigError(f"[notify.{name}] on: unknown {', '.join(unknown)} (known: {', '.join(REASONS)})", where=where)
    secret_name = table.get("secret")
    if secret_name is not None and not isinstance(secret_name, str):
        raise ConfigError(f"[notify.{name}] secret must be the name of a secret, not {secret_name!r}", where=where)
    if secret_name is not None and secret_name not in secrets:
        raise ConfigError(f"[notify.{name}] secret names {secret_name}, which no secret source gives "
                          f"(baton run: -s {secret_name}=…; baton watch: the service's secrets)", where=where)
    options = {key: value for key, value in table.items() if key not in _OWN_KEYS}
    try:
        notifier = classes[kind](name, options, None if secret_name is None else secrets[secret_name])
    except ConfigError as exc:
        raise ConfigError(exc.message, where=where) from None
    filters = {key: _names(table, key, name, where) for key in _FILTERS}
    return Rule(name=name, on=on, notifier=notifier, **filters)


def _names(table: Mapping[str, Value], key: str, name: str, where: str | None) -> frozenset[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"[notify.{name}] {key} must be a list of names, not {value!r}", where=where)
    return frozenset(str(item) for item in value)


def repo_name(run: RunRecord) -> str:
    """The repository as people name it: the watch service's name, else the folder's."""
    return run.repo or Path(run.repository.rstrip("/")).name.removesuffix(".git") or run.repository


def reason_of(run: RunRecord, before: RunRecord | None) -> str | None:
    """Which ``on`` value a finished run is, or None (an interrupted run is nobody's news)."""
    match run.conclusion:
        case Conclusion.SUCCESS:
            failed_before = before is not None and before.conclusion is not Conclusion.SUCCESS
            return "fixed" if failed_before else "success"
        case Conclusion.FAILURE:
            return "failure"
        case Conclusion.CANCELLED:
            return "cancelled"
        case _:
            return None


def notice_of(run: RunRecord, reason: str, jobs: Iterable[JobRecord], annotations: Iterable[AnnotationRecord],
              masker: Masker) -> Notice:  # fmt: skip
    """The notice of ``run``: its failed jobs with their first error, secrets masked."""
    first_error: dict[str, str] = {}
    for note in annotations:
        if note.level == "error" and note.job_key not in first_error:
            place = f"{note.file}:{note.line}: " if note.file and note.line else f"{note.file}: " if note.file else ""
            first_error[note.job_key] = place + note.message
    failed = tuple(
        FailedJob(name=masker.mask(job.name), conclusion=job.conclusion.value if job.conclusion else "unknown",
                  error=masker.mask(first_error.get(job.job_key) or job.reason))
        for job in jobs
        if job.conclusion not in (Conclusion.SUCCESS, Conclusion.SKIPPED)
    )  # fmt: skip
    return Notice(
        repository=repo_name(run), workflow=masker.mask(run.workflow), ref=run.ref, sha=run.sha, run=run.number,
        conclusion=run.conclusion.value if run.conclusion else "unknown", reason=reason, jobs=failed,
        logs=f"baton logs {run.number}",
    )  # fmt: skip


class Notifications:
    """Sends the notices of one runtime's finished runs, on worker threads."""

    def __init__(self, rules: Collection[Rule], *, recorder: Recorder, secrets: Iterable[str],
                 say: Callable[[str], None]) -> None:  # fmt: skip
        self._rules = tuple(rules)
        self._recorder = recorder
        self._masker = Masker(secrets)
        self._say = say
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="baton-notify")
        self._pending: set[concurrent.futures.Future[None]] = set()

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Notify about the runs ``bus`` finishes from now on; returns the detacher."""
        return bus.subscribe(self._seen)

    def _seen(self, event: Event) -> None:
        if isinstance(event, RunFinished) and self._rules:
            future = self._pool.submit(self._deliver, event.run_id)
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)

    def _deliver(self, run_id: RunId) -> None:
        try:
            self._recorder.flush(timeout=60)
            with Store.open(self._recorder.home) as store:
                run = get_run(store, run_id)
                reason = reason_of(run, previous_run(store, run))
                rules = [rule for rule in self._rules if reason is not None and rule.wants(run, reason)]
                if reason is None or not rules:
                    return
                notice = notice_of(run, reason, jobs_of(store, run_id), annotations_of(store, run_id), self._masker)
        except BatonError as exc:
            self._say(f"baton: no notification for run {run_id}: {exc}")
            return
        for rule in rules:
            try:
                rule.notifier.send(notice)
            except BatonError as exc:
                self._say(f"baton: notification '{rule.name}' for run #{notice.run} not delivered: {exc}")
            except Exception:  # a third-party notifier's bug must not end the service
                _log.exception("baton: notifier '%s' failed", rule.name)
                self._say(f"baton: notification '{rule.name}' for run #{notice.run} failed (a notifier bug; see the log)")

    def close(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for deliveries under way; returns whether all ended."""
        _, not_done = concurrent.futures.wait(tuple(self._pending), timeout=timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        return not not_done
