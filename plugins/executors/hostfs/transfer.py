"""Copying files into and out of a session: host copies, and tar streams for containers."""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from plugins.executors.hostfs import hostpath
from runner.api import ExecutorError


def tar_of_files(files: Mapping[str, bytes], *, scripts: Iterable[str]) -> bytes:
    """A tar holding ``files`` at their absolute paths (for extraction at ``/``)."""
    executable = set(scripts)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(content)
            info.mode = 0o777 if path in executable else 0o666
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def tar_of_folder(source: Path, destination: str) -> bytes:
    """A tar of ``source``'s contents placed under absolute path ``destination``."""
    if not source.is_dir():
        raise ExecutorError(f"cannot upload {source}: not a folder")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(source, arcname=destination.strip("/") or ".", recursive=True)
    return buffer.getvalue()


def file_from_tar(chunks: Iterable[bytes]) -> bytes | None:
    """The content of the single regular file in a tar stream (``get_archive`` of a file)."""
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r") as tar:
        for member in tar:
            if member.isfile():
                extracted = tar.extractfile(member)
                return extracted.read() if extracted else None
    return None


def extract_tar(chunks: Iterable[bytes], source: str, destination: Path) -> None:
    """Unpack a ``get_archive`` stream of ``source`` so that ``destination`` becomes its copy.

    The ``data`` filter refuses absolute names, ``..`` and links leading out of the
    scratch folder; the copy to ``destination`` follows no link.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        try:
            with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r") as tar:
                tar.extractall(scratch, filter="data")
            hostpath.copy_out_of(Path(scratch), PurePosixPath(source).name, destination, shown_as=source)
        except (tarfile.TarError, OSError) as exc:
            raise ExecutorError(f"cannot download {source} to {destination}: {exc}") from exc
