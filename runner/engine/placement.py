"""Where a job runs: its ``runs-on`` labels → an executor and, for containers, an image."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from runner.engine.capacity import host_key

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
    """An executor by name, with the image (container executors) or the host (host pools,
    ``-P LABEL=ssh://TARGET``) it should use."""

    executor: str
    image: str | None = None
    host: str | None = None
    hosts: tuple[str, ...] = ()
    """Hosts of a host pool whose labels fit the job, when placement chose the pool but
    not the host: the job takes whichever has a free slot first (then it is ``host``)."""
    problem: str | None = None
    """Why jobs mapped here cannot run (an image that cannot be had): they fail with it."""

    def describe(self) -> str:
        """``docker (ubuntu:24.04)``, ``ssh box`` or ``local`` (once ``host`` is chosen)."""
        if self.host:
            return f"{self.executor} {self.host}"
        return f"{self.executor} ({self.image})" if self.image else self.executor


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolHost:
    """A host of a host-pool executor and its labels: a job whose labels all are here may go there."""

    executor: str
    name: str
    labels: frozenset[str]
    capacity: int = 1
    """Jobs at once on the host, across every run of the process."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """The label map of a run: first label of ``runs-on`` that maps wins."""

    targets: dict[str, Target] = field(default_factory=dict)
    """Lower-cased label → target."""
    explicit: frozenset[str] = frozenset()
    """Labels mapped by ``-P`` or baton.toml: they win over the hosts' labels."""
    hosts: tuple[PoolHost, ...] = ()

    def with_problems(self, problems: Mapping[str, str]) -> Placement:
        """The same map, where the targets of ``problems``' labels fail their jobs with its text."""
        targets = {label: replace(target, problem=problems[label]) if label in problems else target
                   for label, target in self.targets.items()}
        return replace(self, targets=targets)

    def resolve(self, labels: Sequence[str]) -> Target | None:
        """Where a job with these ``runs-on`` labels goes: an explicitly mapped label first,
        then a host holding all the labels, then the first label of the default map;
        None when nothing fits."""
        lowered = [label.lower() for label in labels]
        for label in lowered:
            if label in self.explicit:
                return self.targets[label]
        wanted = set(lowered)
        fitting = [host for host in self.hosts if wanted and wanted <= host.labels]
        if fitting:
            executor = fitting[0].executor
            return Target(executor=executor, hosts=tuple(host.name for host in fitting if host.executor == executor))
        if self.hosts and not wanted <= set(self.targets):
            return None  # a label only a host could have: not this machine because it says self-hosted
        for label in lowered:
            target = self.targets.get(label)
            if target is not None:
                return target
        return None

    def limits(self) -> dict[str, int]:
        """The process's keyed job limits (:class:`Capacity`) these hosts need: each pool
        host's capacity, and one job at a time on a host that ``-P`` names ad hoc."""
        limits = {host_key(target.host): 1 for target in self.targets.values() if target.host}
        return {**limits, **{host_key(host.name): host.capacity for host in self.hosts}}

    def describe_hosts(self) -> str:
        """``box (box, linux, self-hosted); gpu-1 (…)``: what placement could choose from."""
        return "; ".join(f"{host.name} ({', '.join(sorted(host.labels))})" for host in self.hosts)

    @classmethod
    def build(
        cls,
        *,
        container_executor: str | None,
        images: Mapping[str, str],
        explicit: Collection[str] = (),
        hosts: Sequence[PoolHost] = (),
    ) -> Placement:
        """The map for a run.

        ``container_executor`` runs the image labels (None: no container engine, so
        they run on the host); ``images`` are ``-P``/config overrides (an image of
        ``-self-hosted`` means the host, as in act; ``NAME://TARGET`` means host TARGET
        of executor NAME, as ``ssh://box``). ``explicit`` labels (given by ``-P`` or
        baton.toml) win over ``hosts``, whose labels win over the default map.
        """
        targets: dict[str, Target] = {}
        for label, image in {**DEFAULT_IMAGES, **images}.items():
            scheme, is_host, where = image.partition("://")
            if is_host:
                targets[label.lower()] = Target(executor=scheme, host=where)
            elif image == "-self-hosted" or container_executor is None:
                targets[label.lower()] = Target(executor="local")
            else:
                targets[label.lower()] = Target(executor=container_executor, image=image)
        for label in HOST_LABELS:
            targets.setdefault(label, Target(executor="local"))
        chosen = {label.lower() for label in explicit}
        return cls(targets=targets, explicit=frozenset(chosen & set(targets)), hosts=tuple(hosts))

