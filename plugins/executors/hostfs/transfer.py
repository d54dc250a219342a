"""Copying files into and out of a session: host copies, and tar streams for containers."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from runner.api import ExecutorError


def copy_in(source: Path, destination: Path, *, is_shared: bool) -> None:
    """Copy folder ``source``'s contents into ``destination`` (merged, symlinks kept).

    With ``is_shared`` the copies are world-writable, for a container user other than ours.
    """
    if not source.is_dir():
        raise ExecutorError(f"cannot upload {source}: not a folder")
    try:
        shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True)
        if is_shared:
            destination.chmod(0o777)
            for root, folders, files in os.walk(destination):
                for name in folders:
                    os.chmod(os.path.join(root, name), 0o777)
                for name in files:
                    path = os.path.join(root, name)
                    if not os.path.islink(path):
                        os.chmod(path, os.stat(path).st_mode | 0o666)
    except OSError as exc:
        raise ExecutorError(f"cannot upload {source} to {destination}: {exc}") from exc


def copy_out(source: Path, destination: Path, *, shown_as: str) -> None:
    """Copy file or folder ``source`` to ``destination`` (a folder's contents are merged)."""
    try:
        if source.is_dir():
            shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True)
        elif source.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
        else:
            raise ExecutorError(f"cannot download {shown_as}: it does not exist in the session")
    except OSError as exc:
        raise ExecutorError(f"cannot download {shown_as} to {destination}: {exc}") from exc


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
    """Unpack a ``get_archive`` stream of ``source`` so that ``destination`` becomes its copy."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r") as tar:
            tar.extractall(scratch, filter="data")
        copy_out(Path(scratch) / PurePosixPath(source).name, destination, shown_as=source)
