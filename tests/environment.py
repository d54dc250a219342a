"""Prepare a machine for baton's tests: a Docker engine, OpenSSH, and the shell image.

Run as ``python3 -m tests.environment`` (``tests/run.sh`` does) or import the
``ensure_*`` functions. Every step is idempotent and prints one line saying what
it did and how long it took; when everything is in place the whole run takes a
fraction of a second.

No image registry is reachable on the project's machines, so the test image is
built FROM scratch out of Debian's static busybox and bash.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

IMAGE_TAG = "baton-test/shell:latest"
"""The test image: bash, busybox applets and a root user, nothing else."""

IMAGE_VERSION_LABEL = "baton.test-image-version"
IMAGE_VERSION = "1"
"""Bump when the image's layout changes: a machine with another version rebuilds."""

DOCKERD_LOG = Path("/tmp/baton-dockerd.log")
"""Where a dockerd started by this module writes its log."""

DOCKERD_WAIT_SECONDS = 60.0
DOCKERD_PID_FILE = Path("/var/run/docker.pid")
CONTAINERD_PID_FILE = Path("/var/run/docker/containerd/containerd.pid")

BUSYBOX = Path("/bin/busybox")
BASH_STATIC = Path("/bin/bash-static")

# Binary that must exist -> Debian package that provides it.
REQUIRED_BINARIES: dict[str, str] = {
    "/usr/sbin/sshd": "openssh-server",
    "/usr/bin/ssh-keygen": "openssh-client",
    str(BUSYBOX): "busybox-static",
    str(BASH_STATIC): "bash-static",
}

_SYSTEM_PATH = os.pathsep.join(
    dict.fromkeys(
        entry
        for entry in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/local/sbin",
                      "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        if entry
    )
)
"""The caller's PATH plus the system directories that root's tools live in."""
_LOCK_DIR = Path("/tmp")
_apt_updated = False


def is_root() -> bool:
    """Whether this process may install packages and start dockerd."""
    return os.geteuid() == 0


def docker_client(timeout: int = 60) -> Any:
    """A docker SDK client for the engine named by the environment (DOCKER_HOST or the socket)."""
    import docker

    return docker.from_env(timeout=timeout)


def docker_available() -> bool:
    """Whether a Docker engine answers a ping right now."""
    try:
        client = docker_client(timeout=5)
    except Exception:  # DockerException, or a requests error while probing the version
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def ensure_packages(*, with_docker: bool = False) -> list[str]:
    """Install, with one apt-get call, the Debian packages whose binaries are missing.

    With ``with_docker``, ``docker.io`` joins the list when ``dockerd`` is missing.
    Returns the packages installed (empty when all were present).
    """
    missing = sorted({pkg for path, pkg in REQUIRED_BINARIES.items() if not _is_usable(Path(path))})
    if with_docker and _dockerd_path() is None:
        missing.append("docker.io")
    if missing:
        _apt_install(missing)
    return missing


def ensure_docker() -> str:
    """Make sure a Docker engine answers, starting ``dockerd`` (as root) if needed.

    Installs ``docker.io`` when ``dockerd`` is missing. The daemon runs in its own
    session, logs to ``DOCKERD_LOG`` and outlives this process. Returns what was
    done; raises ``RuntimeError`` when the engine cannot be made to answer.
    """
    if docker_available():
        return "already answering"
    if not is_root():
        raise RuntimeError("the Docker engine does not answer, and only root may start dockerd here")
    with _lock("dockerd"):
        if docker_available():  # another process started it while we waited for the lock
            return "answering (started by another process)"
        if _dockerd_path() is None:
            _apt_install(["docker.io"])
        return _start_dockerd_and_wait()


def ensure_test_image() -> str:
    """Build ``IMAGE_TAG`` unless it exists with the current version label; return the tag."""
    client = docker_client(timeout=300)
    try:
        if _image_version(client) == IMAGE_VERSION:
            return IMAGE_TAG
        with _lock("image"):
            if _image_version(client) != IMAGE_VERSION:
                _build_image(client)
    finally:
        client.close()
    return IMAGE_TAG


GLIBC_IMAGE_TAG = "baton-test/glibc:latest"
"""The test image plus the C library a glibc program needs (as ``ubuntu:24.04`` has it),
and no node: JavaScript actions then run with the node baton mounts into the job."""
GLIBC_IMAGE_VERSION = "1"
ALPINE_ALIAS = "alpine:3.10"
"""What the mirrored hello-world-docker-action builds FROM: the test image, tagged so."""


def ensure_glibc_image() -> str:
    """Build ``GLIBC_IMAGE_TAG`` (from the test image, with the libraries ``ldd`` lists for
    this machine's ``sh``-independent glibc programs: node's) unless it is current."""
    ensure_test_image()
    client = docker_client(timeout=300)
    try:
        if _image_version(client, GLIBC_IMAGE_TAG) == GLIBC_IMAGE_VERSION:
            return GLIBC_IMAGE_TAG
        with _lock("glibc-image"):
            if _image_version(client, GLIBC_IMAGE_TAG) != GLIBC_IMAGE_VERSION:
                client.images.build(fileobj=_glibc_context(), custom_context=True, tag=GLIBC_IMAGE_TAG,
                                    rm=True, forcerm=True, pull=False)
    finally:
        client.close()
    return GLIBC_IMAGE_TAG


def ensure_alpine_alias() -> str:
    """Tag the test image ``alpine:3.10`` (no registry is reachable to pull the real one)."""
    import docker.errors

    ensure_test_image()
    client = docker_client(timeout=60)
    try:
        wanted = client.images.get(IMAGE_TAG).id
        try:
            if client.images.get(ALPINE_ALIAS).id == wanted:
                return ALPINE_ALIAS
        except docker.errors.ImageNotFound:
            pass
        client.images.get(IMAGE_TAG).tag(ALPINE_ALIAS)
    finally:
        client.close()
    return ALPINE_ALIAS


def _glibc_libraries() -> list[Path]:
    """The shared objects (and loader) a dynamically linked program of this machine needs."""
    probe = shutil.which("python3") or sys.executable
    listed = subprocess.run(["ldd", probe], capture_output=True, text=True, check=True).stdout
    wanted = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "libgcc_s.so.1", "libstdc++.so.6"}
    paths = [Path(part) for line in listed.splitlines() for part in line.split() if part.startswith("/")]
    folder = next((p.parent for p in paths if p.name == "libc.so.6"), Path("/lib/x86_64-linux-gnu"))
    found = [p for p in paths if p.name.startswith("ld-linux")]
    found += [folder / name for name in sorted(wanted) if (folder / name).exists()]
    return found


def _glibc_context() -> io.BytesIO:
    buffer = io.BytesIO()
    dockerfile = f"FROM {IMAGE_TAG}\nCOPY rootfs/ /\nLABEL {IMAGE_VERSION_LABEL}={GLIBC_IMAGE_VERSION}\n"
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        def add(name: str, data: bytes | None, mode: int) -> None:
            info = tarfile.TarInfo(name)
            info.type = tarfile.REGTYPE if data is not None else tarfile.DIRTYPE
            info.mode, info.mtime, info.size = mode, 0, len(data or b"")
            tar.addfile(info, io.BytesIO(data) if data is not None else None)

        add("Dockerfile", dockerfile.encode(), 0o644)
        made: set[str] = set()
        for library in _glibc_libraries():
            parts = library.parts[1:]
            for depth in range(1, len(parts)):
                folder = "rootfs/" + "/".join(parts[:depth])
                if folder not in made:
                    made.add(folder)
                    add(folder, None, 0o755)
            add("rootfs/" + "/".join(parts), library.resolve().read_bytes(), 0o755)
    buffer.seek(0)
    return buffer


# --- packages -------------------------------------------------------------------------


def _is_usable(path: Path) -> bool:
    """An executable file; for busybox also a static one, since it goes into a scratch image."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        return False
    return path != BUSYBOX or _is_static_elf(path)


def _is_static_elf(path: Path) -> bool:
    """Whether an ELF executable has no program interpreter (PT_INTERP), i.e. is static."""
    import struct

    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit only: the project's machines
            return False
        endian = "<" if header[5] == 1 else ">"
        phoff, = struct.unpack_from(endian + "Q", header, 0x20)
        phentsize, phnum = struct.unpack_from(endian + "HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return all(
        struct.unpack_from(endian + "I", table, i * phentsize)[0] != 3  # PT_INTERP
        for i in range(phnum)
    )


def _apt_install(packages: Sequence[str]) -> None:
    global _apt_updated
    if not is_root():
        raise RuntimeError(f"missing packages {', '.join(packages)}, and only root may install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands = [] if _apt_updated else [["apt-get", "update", "-q"]]
    commands.append(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages])
    for command in commands:  # apt's errors go to stderr; its progress is not wanted
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, check=True)
    _apt_updated = True


# --- dockerd --------------------------------------------------------------------------


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """Serialize one set-up step across processes (parallel test sessions, two scripts)."""
    with (_LOCK_DIR / f"baton-test-{name}.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _dockerd_pid() -> int | None:
    """The pid of a live dockerd; clears stale pid files of dockerd and its containerd.

    A dockerd or containerd killed with SIGKILL leaves its pid file, and can linger as a
    zombie for a while (PID 1 on the project's VMs reaps late). dockerd takes a zombie
    for a live process (``kill(pid, 0)`` succeeds), then refuses to start or waits in
    vain for that containerd's socket, so a zombie's pid file is removed here.
    """
    _live_pid(CONTAINERD_PID_FILE, "containerd")
    return _live_pid(DOCKERD_PID_FILE, "dockerd")


def _live_pid(pid_file: Path, name: str) -> int | None:
    """The pid in ``pid_file`` if it is a live process called ``name``; else remove the file."""
    try:
        pid = int(pid_file.read_text().strip())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        stat = ""
    else:
        comm, _, rest = stat.rpartition(")")
        if comm.endswith(f"({name}") and rest.split()[:1] != ["Z"]:
            return pid
    pid_file.unlink(missing_ok=True)
    return None


def _start_dockerd_and_wait() -> str:
    """Start dockerd unless one is already starting, and wait until the engine answers."""
    deadline = time.monotonic() + DOCKERD_WAIT_SECONDS
    process: subprocess.Popen[bytes] | None = None
    did = "a dockerd that was starting now answers"
    while time.monotonic() < deadline:
        if docker_available():
            return did
        if process is not None and process.poll() is not None:
            if _dockerd_pid() is None:
                raise RuntimeError(
                    f"dockerd exited with status {process.returncode}; last lines of "
                    f"{DOCKERD_LOG}:\n{_log_tail()}"
                )
            process = None  # it lost a race to a dockerd started elsewhere: wait for that one
        if process is None and _dockerd_pid() is None:
            process = _start_dockerd()
            did = f"started dockerd (pid {process.pid}, log {DOCKERD_LOG}), now answers"
        time.sleep(0.1)
    raise RuntimeError(
        f"dockerd did not answer within {DOCKERD_WAIT_SECONDS:.0f} s; last lines of {DOCKERD_LOG}:\n"
        + _log_tail()
    )


def _dockerd_path() -> str | None:
    return shutil.which("dockerd", path=_SYSTEM_PATH)


def _start_dockerd() -> subprocess.Popen[bytes]:
    dockerd = _dockerd_path()
    if dockerd is None:
        raise RuntimeError("dockerd is not installed")
    # dockerd finds containerd, runc and iptables through PATH, which may lack the sbin dirs.
    env = {**os.environ, "PATH": _SYSTEM_PATH}
    with DOCKERD_LOG.open("ab") as log:
        log.write(f"--- baton tests: starting dockerd at {time.ctime()}\n".encode())
        log.flush()
        return subprocess.Popen(
            [dockerd],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            start_new_session=True,  # outlives us: not in our process group, no controlling tty
        )


def _log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(DOCKERD_LOG.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- the test image -------------------------------------------------------------------

_DOCKERFILE = f"""\
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL {IMAGE_VERSION_LABEL}="{IMAGE_VERSION}" baton.test-image="true"
CMD ["/bin/bash"]
"""

_PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _image_version(client: Any, tag: str = IMAGE_TAG) -> str | None:
    import docker.errors

    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    labels = image.labels or {}
    return labels.get(IMAGE_VERSION_LABEL)


def _build_image(client: Any) -> None:
    for path in (BUSYBOX, BASH_STATIC):
        if not _is_usable(path):
            raise RuntimeError(f"{path} is missing or not static: run ensure_packages() first")
    context = _build_context()
    image, _logs = client.images.build(
        fileobj=context, custom_context=True, tag=IMAGE_TAG, rm=True, forcerm=True, pull=False
    )
    if (image.labels or {}).get(IMAGE_VERSION_LABEL) != IMAGE_VERSION:
        raise RuntimeError(f"built {IMAGE_TAG} but its {IMAGE_VERSION_LABEL} label is wrong")


def _build_context() -> io.BytesIO:
    """A tar build context: the Dockerfile and a complete root file system under rootfs/.

    Everything is laid out in the tarball itself, so the build runs no container.
    """
    applets = subprocess.run(
        [str(BUSYBOX), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def add(name: str, *, data: bytes | None = None, mode: int = 0o644,
                kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.linkname, info.mtime = kind, mode, link, 0
            info.size = len(data) if data is not None else 0
            tar.addfile(info, io.BytesIO(data) if data is not None else None)

        add("Dockerfile", data=_DOCKERFILE.encode())
        for directory, mode in [
            ("rootfs", 0o755), ("rootfs/bin", 0o755), ("rootfs/sbin", 0o755),
            ("rootfs/usr", 0o755), ("rootfs/usr/bin", 0o755), ("rootfs/usr/sbin", 0o755),
            ("rootfs/usr/local", 0o755), ("rootfs/usr/local/bin", 0o755),
            ("rootfs/etc", 0o755), ("rootfs/root", 0o700), ("rootfs/home", 0o755),
            ("rootfs/tmp", 0o1777), ("rootfs/var", 0o755), ("rootfs/var/tmp", 0o1777),
        ]:
            add(directory, kind=tarfile.DIRTYPE, mode=mode)
        add("rootfs/bin/busybox", data=BUSYBOX.read_bytes(), mode=0o755)
        add("rootfs/bin/bash", data=BASH_STATIC.read_bytes(), mode=0o755)
        add("rootfs/usr/bin/bash", kind=tarfile.SYMTYPE, link="/bin/bash", mode=0o777)
        add("rootfs/etc/passwd", data=_PASSWD.encode())
        add("rootfs/etc/group", data=_GROUP.encode())
        for applet in applets:
            if applet in {"busybox", "bash"}:
                continue
            for directory in ("bin", "usr/bin"):
                add(f"rootfs/{directory}/{applet}", kind=tarfile.SYMTYPE, link="/bin/busybox",
                    mode=0o777)
    buffer.seek(0)
    return buffer


# --- the script -----------------------------------------------------------------------


@contextlib.contextmanager
def _step(name: str) -> Iterator[list[str]]:
    """Time one step; the body appends what it did to the yielded list."""
    started = time.monotonic()
    outcome: list[str] = []
    try:
        yield outcome
    except Exception as exc:
        print(f"{name}: FAILED after {time.monotonic() - started:.2f} s: {exc}", flush=True)
        raise
    print(f"{name}: {' '.join(outcome) or 'done'} ({time.monotonic() - started:.2f} s)", flush=True)


def main() -> int:
    """Set up everything the tests need; exit status 1 when something could not be."""
    started = time.monotonic()
    try:
        with _step("docker engine") as did:
            if docker_available():
                did.append("already answering")
            elif not is_root():
                did.append("not answering, and not root: Docker tests will skip (or fail under CI)")
            else:
                installed = ensure_packages(with_docker=True)
                if installed:
                    did.append(f"installed {', '.join(installed)};")
                did.append(ensure_docker())
        with _step("packages") as did:
            installed = ensure_packages()
            did.append(f"installed {', '.join(installed)}" if installed else "all present")
        with _step(f"image {IMAGE_TAG}") as did:
            if not docker_available():
                did.append("skipped: no Docker engine")
            else:
                client = docker_client()
                try:
                    fresh = _image_version(client) == IMAGE_VERSION
                finally:
                    client.close()
                ensure_test_image()
                did.append("up to date" if fresh else f"built (version {IMAGE_VERSION})")
                ensure_glibc_image()
                ensure_alpine_alias()
                did.append(f"(with {GLIBC_IMAGE_TAG} and {ALPINE_ALIAS})")
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"environment: set-up failed: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"environment: ready in {time.monotonic() - started:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
