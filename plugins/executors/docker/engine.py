"""The Docker engine as executors see it: connecting, labels, images, error translation.

Every object baton creates carries ``baton.run`` and ``baton.job`` labels, so a session
removes exactly its own objects and garbage collection finds what a killed process left.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from plugins.executors.docker.sdk import docker, requests_errors
from runner.api import ExecutorError, InfrastructureError, JobSpec, Pull, owner_token

RUN_LABEL = "baton.run"
"""Label key holding the run id on every container, network, volume and image."""
JOB_LABEL = "baton.job"
"""Label key holding the job key on every object a session creates."""
OWNER_LABEL = "baton.owner"
"""The process that created the object (see ``runner.api.owner_token``)."""

ENGINE_ERRORS = (docker.errors.DockerException, requests_errors.RequestException)
"""What the SDK raises when the engine refuses or cannot be reached."""


def engine_url() -> str:
    """Where the engine is expected (``DOCKER_HOST``, else the default socket)."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect(timeout: int = 120, base_url: str | None = None) -> tuple[Any, str]:
    """A client for the engine (at ``base_url``, else where the environment says), and the
    engine's architecture (``Arch``, e.g. ``amd64``); :class:`ExecutorError` in one sentence
    when none answers.

    One request: the engine's ``/version`` answers whether it is there, which API version
    the client speaks (what the SDK's ``auto`` would ask for again) and the architecture.
    """

    # ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH`` apply to a given address too
    environment = {**os.environ, "DOCKER_HOST": base_url} if base_url else None

    def client(version: str) -> Any:
        return docker.from_env(version=version, timeout=timeout, environment=environment)

    try:
        probe = client(docker.constants.MINIMUM_DOCKER_API_VERSION)
        try:
            info = probe.version(api_version=False)
        finally:
            probe.close()
        answering = client(str(info["ApiVersion"]))
    except ENGINE_ERRORS as exc:
        raise unreachable(base_url) from exc
    return answering, str(info.get("Arch", ""))



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


def is_engine_fault(exc: BaseException) -> bool:
    """Whether an SDK error is the engine's (or a registry's) failure, which a retry may
    mend, rather than its refusal of what was asked (an answer of 4xx: no such image, a
    bad reference, a conflict)."""
    status = getattr(exc, "status_code", None)
    return not (isinstance(status, int) and 400 <= status < 500)


def reason(exc: BaseException) -> str:
    """The engine's own words for a failure, without the SDK's URL noise."""
    if isinstance(exc, docker.errors.APIError) and exc.explanation:
        return str(exc.explanation)
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn SDK errors inside the block into ``ExecutorError("<action> failed: …")``."""
    try:
        yield
    except requests_errors.ConnectionError as exc:
        raise unreachable() from exc
    except ENGINE_ERRORS as exc:
        raise ExecutorError(f"{action} failed: {reason(exc)}", is_infrastructure=is_engine_fault(exc)) from exc


def ensure_image(client: Any, image: str, *, pull: Pull, username: str | None = None,
                 password: str | None = None) -> None:
    """Make ``image`` present according to the pull policy (blocking)."""
    is_present = False
    if pull != "always":
        try:
            client.images.get(image)
            return
        except docker.errors.ImageNotFound:
            pass
        except ENGINE_ERRORS as exc:
            raise ExecutorError(f"cannot look up image {image}: {reason(exc)}", is_infrastructure=is_engine_fault(exc)) from exc
        if pull == "never":
            raise ExecutorError(f"image {image} is not present locally and the pull policy is 'never'")
    else:
        with contextlib.suppress(*ENGINE_ERRORS):
            client.images.get(image)
            is_present = True
    auth = {"username": username, "password": password or ""} if username else None
    try:
        client.images.pull(image, auth_config=auth)
    except ENGINE_ERRORS as exc:
        where = "is present locally but" if is_present else "is not present locally and"
        raise ExecutorError(f"image {image} {where} could not be pulled: {reason(exc)}",
                            is_infrastructure=is_engine_fault(exc)) from exc
