"""The Docker engine as executors see it: connecting, labels, images, error translation.

Every object baton creates carries ``baton.run`` and ``baton.job`` labels, so a session
removes exactly its own objects and garbage collection finds what a killed process left.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from plugins.executors.docker.api import DEFAULT_ENGINE, AddressError, Engine, EngineError, NotFound, Unreachable, parse_address, quoted
from plugins.executors.docker.api.auth import auth_header
from plugins.executors.docker.api.streams import progress
from runner.api import ExecutorError, InfrastructureError, JobSpec, Pull, owner_token

RUN_LABEL = "baton.run"
"""Label key holding the run id on every container, network, volume and image."""
JOB_LABEL = "baton.job"
"""Label key holding the job key on every object a session creates."""
OWNER_LABEL = "baton.owner"
"""The process that created the object (see ``runner.api.owner_token``)."""


def engine_url() -> str:
    """Where the engine is expected (``DOCKER_HOST``, else the default socket)."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_ENGINE


def connect(base_url: str | None = None) -> tuple[Engine, str]:
    """A client for the engine (at ``base_url``, else where the environment says), and the
    engine's architecture (``Arch``, e.g. ``amd64``); :class:`ExecutorError` in one sentence
    when none answers.

    One request: the engine's ``/version`` answers whether it is there, which API version
    to speak (the engine's own) and the architecture.
    """
    try:
        engine = Engine(parse_address(base_url or engine_url()))
    except AddressError as exc:
        raise ExecutorError(str(exc)) from exc
    try:
        info = engine.get("/version")
    except EngineError as exc:
        engine.close()
        raise unreachable(base_url) from exc
    engine.version = str(info["ApiVersion"])
    return engine, str(info.get("Arch", ""))


def unreachable(base_url: str | None = None) -> ExecutorError:
    """The error for an engine that does not answer."""
    if base_url is not None:
        return InfrastructureError(f"Docker engine is not reachable at {base_url}")
    return InfrastructureError(
        f"Docker engine is not reachable at {engine_url()}: start dockerd or use --executor local"
    )


def job_labels(job: JobSpec) -> dict[str, str]:
    """The labels of every object created for ``job`` (the owner: for garbage collection)."""
    return {RUN_LABEL: job.run_id, JOB_LABEL: job.job_key, OWNER_LABEL: owner_token()}


def reason(exc: BaseException) -> str:
    """The engine's own words for a failure."""
    if isinstance(exc, EngineError):
        return exc.message
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn engine errors inside the block into ``ExecutorError("<action> failed: …")``."""
    try:
        yield
    except Unreachable as exc:
        raise unreachable() from exc
    except EngineError as exc:
        raise ExecutorError(f"{action} failed: {exc.message}", is_infrastructure=exc.is_engine_fault) from exc


def image_info(engine: Engine, image: str) -> dict[str, Any] | None:
    """The engine's inspection of ``image``, None when it has no such image (blocking)."""
    try:
        return dict(engine.get(f"/images/{quoted(image)}/json"))
    except NotFound:
        return None


def pull_image(engine: Engine, image: str, *, username: str | None = None, password: str | None = None) -> None:
    """Pull ``image`` (its ``latest`` when it names no tag or digest), to the end (blocking)."""
    name, tag = image, None
    if "@" not in image and ":" not in image.rpartition("/")[2]:
        tag = "latest"
    stream = engine.stream("POST", "/images/create", {"fromImage": name, "tag": tag},
                           headers=auth_header(image, username, password), timeout=None)
    try:
        for _item in progress(stream):
            pass
    finally:
        stream.close()


def ensure_image(engine: Engine, image: str, *, pull: Pull, username: str | None = None,
                 password: str | None = None) -> None:
    """Make ``image`` present according to the pull policy (blocking)."""
    is_present = False
    if pull != "always":
        try:
            if image_info(engine, image) is not None:
                return
        except EngineError as exc:
            raise ExecutorError(f"cannot look up image {image}: {exc.message}", is_infrastructure=exc.is_engine_fault) from exc
        if pull == "never":
            raise ExecutorError(f"image {image} is not present locally and the pull policy is 'never'")
    else:
        with contextlib.suppress(EngineError):
            is_present = image_info(engine, image) is not None
    try:
        pull_image(engine, image, username=username, password=password)
    except EngineError as exc:
        where = "is present locally but" if is_present else "is not present locally and"
        raise ExecutorError(f"image {image} {where} could not be pulled: {exc.message}",
                            is_infrastructure=exc.is_engine_fault) from exc
