"""Host paths a job can reach, opened beneath a folder baton made and never through a link.

A step can replace anything under its job folder with a symbolic link (in a container,
through the bind mount), so a path string is not a place: ``work/_temp`` may point at
``/etc/profile.d`` by the time baton writes the next script, and ``$GITHUB_OUTPUT`` at
``/etc/shadow`` by the time baton reads it. Every operation here therefore starts from
an *anchor*, a folder the job cannot replace (the job folder's root, which is never
mounted), and walks one component at a time with ``O_DIRECTORY | O_NOFOLLOW`` relative
to the previous folder's descriptor. Files are created fresh (what the job put there is
unlinked, then ``O_CREAT | O_EXCL``), read only when they are regular files with one
link, and folders are copied without following links on either side: a link is copied
as a link, so its target is never read on this machine.

A path that crosses a link fails with :class:`HostPathError`, which names the path as
the job sees it; the engine turns it into a failed step.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from runner.api import ExecutorError

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
"""``O_NONBLOCK``: a FIFO planted by a job must not hang baton; it is refused after ``fstat``."""
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_LINKED = (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)
_CHUNK = 1 << 20
_COPY_RANGE = 1 << 30
_NO_COPY_RANGE = (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM, errno.EBADF)


class HostPathError(ExecutorError):
    """A host path that a job made point elsewhere (a link, a FIFO, a folder for a file)."""


def parts_of(relative: str | Path) -> tuple[str, ...]:
    """``relative``'s components, normalised; a path that leaves its anchor is refused."""
    text = posixpath.normpath(str(relative))
    if text.startswith("/") or text == ".." or text.startswith("../"):
        raise HostPathError(f"{relative} is not inside the job folder")
    return () if text == "." else tuple(text.split("/"))


@contextmanager
def open_folder(anchor: Path, parts: Sequence[str], *, shown_as: str, create: int | None = None) -> Iterator[int]:
    """A descriptor of ``anchor/parts…``, reached without following any link.

    With ``create`` (a mode), missing folders are made with that mode whatever the umask.
    """
    fd = os.open(anchor, _FOLDER)
    try:
        for part in parts:
            child = _child(fd, part, shown_as=shown_as, create=create)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _child(fd: int, part: str, *, shown_as: str, create: int | None) -> int:
    """A descriptor of child folder ``part`` of folder ``fd``, made if asked."""
    try:
        try:
            return os.open(part, _FOLDER, dir_fd=fd)
        except FileNotFoundError:
            if create is None:
                raise
            try:
                os.mkdir(part, create, dir_fd=fd)
            except FileExistsError:
                pass  # made meanwhile: opened below, still without following a link
            child = os.open(part, _FOLDER, dir_fd=fd)
            os.fchmod(child, create)
            return child
    except OSError as exc:
        if exc.errno in _LINKED:
            raise _refused(shown_as, fd, part) from None
        raise


def _refused(shown_as: str, fd: int, part: str) -> HostPathError:
    try:
        mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
    except OSError:
        mode = 0
    what = "a symbolic link" if stat.S_ISLNK(mode) else "not a folder"
    where = "" if shown_as.rstrip("/").endswith("/" + part) or shown_as == part else f" ('{part}' on the way)"
    return HostPathError(f"{shown_as}{where} is {what}; baton does not follow links a job made")


def write_fresh(anchor: Path, relative: str | Path, content: bytes, *, mode: int, folder_mode: int,
                shown_as: str) -> None:
    """Create ``anchor/relative`` anew with ``content`` and ``mode``, making parent folders."""
    parts = parts_of(relative)
    if not parts:
        raise HostPathError(f"{shown_as}: not a file name")
    with open_folder(anchor, parts[:-1], shown_as=shown_as, create=folder_mode) as fd:
        _write_into(fd, parts[-1], content, mode=mode, shown_as=shown_as)


def _write_into(fd: int, name: str, content: bytes, *, mode: int, shown_as: str) -> None:
    out = _create(fd, name, mode=mode, shown_as=shown_as)
    try:
        _write_all(out, content)
    finally:
        os.close(out)


def _write_all(out: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(out, view[:_CHUNK]):]


def _create(fd: int, name: str, *, mode: int, shown_as: str) -> int:
    """A new file ``name`` in folder ``fd``, open for writing, after removing what was there."""
    _unlink(fd, name, shown_as=shown_as)
    try:
        out = os.open(name, _CREATE, mode, dir_fd=fd)
    except FileExistsError:
        raise HostPathError(f"{shown_as}: something was put there while baton wrote it") from None
    os.fchmod(out, mode)  # whatever the umask
    return out


def _unlink(fd: int, name: str, *, shown_as: str) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):
        # Linux answers EISDIR, others EPERM, for a folder where a file should be
        raise HostPathError(f"{shown_as}: a folder is in the way of a file baton writes") from None


def read_regular(anchor: Path, relative: str | Path, *, shown_as: str) -> bytes | None:
    """The content of ``anchor/relative`` if it is a regular file; ``None`` if it is missing.

    A link, a FIFO, a device or a file with several hard links raises :class:`HostPathError`.
    """
    parts = parts_of(relative)
    if not parts:
        return None
    try:
        with open_folder(anchor, parts[:-1], shown_as=shown_as) as fd:
            try:
                file = os.open(parts[-1], _READ, dir_fd=fd)
            except OSError as exc:
                if exc.errno in _LINKED:
                    raise _refused(shown_as, fd, parts[-1]) from None
                raise
    except (FileNotFoundError, IsADirectoryError):
        return None
    try:
        info = os.fstat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            kind = "a hard link to another file" if stat.S_ISREG(info.st_mode) else "not a regular file"
            raise HostPathError(f"{shown_as} is {kind}; baton reads only files a step wrote")
        os.set_blocking(file, True)
        chunks: list[bytes] = []
        while chunk := os.read(file, _CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(file)


def copy_into(source: Path, anchor: Path, relative: str | Path, *, file_mode_or: int, folder_mode: int,
              shown_as: str) -> None:
    """Merge folder ``source``'s contents into ``anchor/relative`` (links copied as links)."""
    with open_folder(source.parent, (source.name,), shown_as=str(source)) as src, \
            open_folder(anchor, parts_of(relative), shown_as=shown_as, create=folder_mode) as dst:
        _copy_folder(src, dst, file_mode_or=file_mode_or, folder_mode=folder_mode, shown_as=shown_as)


def copy_out_of(anchor: Path, relative: str | Path, destination: Path, *, shown_as: str) -> None:
    """Copy file or folder ``anchor/relative`` to ``destination`` (a folder's contents are merged)."""
    parts = parts_of(relative)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open_folder(anchor, parts[:-1], shown_as=shown_as) as parent:
        info = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False) if parts else os.fstat(parent)
        if stat.S_ISDIR(info.st_mode):
            with open_folder(anchor, parts, shown_as=shown_as) as src, \
                    open_folder(destination.parent, (destination.name,), shown_as=str(destination), create=0o755) as dst:
                _copy_folder(src, dst, file_mode_or=0, folder_mode=0o755, shown_as=shown_as)
            return
        with open_folder(destination.parent, (), shown_as=str(destination)) as dst:
            _copy_entry(parent, dst, parts[-1], destination.name, info, file_mode_or=0, folder_mode=0o755,
                        shown_as=shown_as)


def _copy_folder(src: int, dst: int, *, file_mode_or: int, folder_mode: int, shown_as: str) -> None:
    for name in sorted(os.listdir(src)):
        info = os.stat(name, dir_fd=src, follow_symlinks=False)
        _copy_entry(src, dst, name, name, info, file_mode_or=file_mode_or, folder_mode=folder_mode,
                    shown_as=f"{shown_as}/{name}")


def _copy_entry(src: int, dst: int, name: str, target: str, info: os.stat_result, *, file_mode_or: int,
                folder_mode: int, shown_as: str) -> None:
    """Copy entry ``name`` of folder ``src`` to ``target`` in folder ``dst``, never through a link."""
    if stat.S_ISDIR(info.st_mode):
        with open_folder_at(src, name, shown_as=shown_as) as inner, \
                open_folder_at(dst, target, shown_as=shown_as, create=folder_mode) as outer:
            _copy_folder(inner, outer, file_mode_or=file_mode_or, folder_mode=folder_mode, shown_as=shown_as)
    elif stat.S_ISLNK(info.st_mode):
        link = os.readlink(name, dir_fd=src)
        _unlink(dst, target, shown_as=shown_as)
        os.symlink(link, target, dir_fd=dst)
    elif stat.S_ISREG(info.st_mode):
        file = os.open(name, _READ, dir_fd=src)
        try:
            os.set_blocking(file, True)
            out = _create(dst, target, mode=(stat.S_IMODE(info.st_mode) & 0o777) | file_mode_or, shown_as=shown_as)
            try:
                _copy_content(file, out)
            finally:
                os.close(out)
        finally:
            os.close(file)
    # sockets, FIFOs and devices are not copied: they are no one's files to move


def _copy_content(source: int, out: int) -> None:
    """Copy the rest of open file ``source`` to ``out``: in the kernel where it can
    (``copy_file_range``, as ``cp`` does: a third of the time of reading and writing here)."""
    try:
        while os.copy_file_range(source, out, _COPY_RANGE):
            pass
        return
    except OSError as exc:
        if exc.errno not in _NO_COPY_RANGE:
            raise
    while chunk := os.read(source, _CHUNK):  # across file systems, or where the kernel cannot
        _write_all(out, chunk)


@contextmanager
def open_folder_at(fd: int, name: str, *, shown_as: str, create: int | None = None) -> Iterator[int]:
    """A descriptor of folder ``name`` in folder ``fd``, reached without following a link."""
    child = _child(fd, name, shown_as=shown_as, create=create)
    try:
        yield child
    finally:
        os.close(child)


def copy_entry(source: Path, relative: str | Path, target: Path, *, shown_as: str) -> None:
    """Copy file, link or folder ``source/relative`` to ``target/relative``, following no link."""
    parts = parts_of(relative)
    if not parts:
        raise HostPathError(f"{shown_as}: names the folder itself")
    with open_folder(source, parts[:-1], shown_as=shown_as) as src, \
            open_folder(target, parts[:-1], shown_as=shown_as, create=0o755) as dst:
        info = os.stat(parts[-1], dir_fd=src, follow_symlinks=False)
        _copy_entry(src, dst, parts[-1], parts[-1], info, file_mode_or=0, folder_mode=0o755, shown_as=shown_as)
