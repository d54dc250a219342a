"""Where a job runs: its ``runs-on`` labels → an executor and, for containers, an image."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runner.expr import Value

DEFAULT_IMAGES: dict[str, str] = {
    "ubuntu-latest": "ubuntu:24.04",
    "ubuntu-24.04": "ubuntu:24.04",
    "ubuntu-22.04": "ubuntu:22.04",
    "ubuntu-20.04": "ubuntu:20.04",
    "linux": "ubuntu:24.04",
}
"""Documented defaults for container executors; ``-P label=image`` and baton.toml override."""

HOST_LABELS = frozenset({"self-hosted"})
"""Labels that mean "this machine" unless mapped otherwise."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """An executor by name, with the image it should use (container executors)."""

    executor: str
    image: str | None = None

    def describe(self) -> str:
        """``docker (ubuntu:24.04)`` or ``local``."""
        return f"{self.executor} ({self.image})" if self.image else self.executor


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """The label map of a run: first label of ``runs-on`` that maps wins."""

    targets: dict[str, Target] = field(default_factory=dict)
    """Lower-cased label → target."""

    def resolve(self, labels: Sequence[str]) -> Target | None:
        """The target of the first mapped label, or None when no label maps."""
        for label in labels:
            target = self.targets.get(label.lower())
            if target is not None:
                return target
        return None

    @classmethod
    def build(cls, *, container_executor: str | None, images: Mapping[str, str]) -> Placement:
        """The map for a run.

        ``container_executor`` runs the image labels (None: no container engine, so
        they run on the host); ``images`` are ``-P``/config overrides (an image of
        ``-self-hosted`` means the host, as in act).
        """
        targets: dict[str, Target] = {}
        for label, image in {**DEFAULT_IMAGES, **images}.items():
            if image == "-self-hosted" or container_executor is None:
                targets[label.lower()] = Target(executor="local")
            else:
                targets[label.lower()] = Target(executor=container_executor, image=image)
        for label in HOST_LABELS:
            targets.setdefault(label, Target(executor="local"))
        return cls(targets=targets)


def labels_of(runs_on: Value) -> list[str]:
    """The labels of an evaluated ``runs-on`` (a string, a list, or ``{group, labels}``)."""
    if isinstance(runs_on, str):
        return [runs_on]
    if isinstance(runs_on, list):
        return [str(item) for item in runs_on if item is not None]
    if isinstance(runs_on, dict):
        inner = runs_on.get("labels")
        group = runs_on.get("group")
        return labels_of(inner) + ([str(group)] if isinstance(group, str) else [])
    return []
