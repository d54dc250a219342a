"""What a job leaves on its host, found and stopped: processes and the job folder.

As on this machine (:mod:`plugins.executors.processes.tracking`), every step of a job
runs with ``RUNNER_TRACKING_ID`` in its environment, which survives ``setsid``,
``nohup`` and daemonising; the host's ``/proc/*/environ`` finds them again. The value is
derived from the job folder's name, so ``baton gc`` can stop what a killed run left
running without anything recorded on this side. Each step's process group is stopped
too (a host without ``/proc``, such as macOS, has only those).
"""

from __future__ import annotations

import posixpath

from plugins.executors.processes.tracking import VARIABLE
from plugins.executors.ssh.remote_script import q

POLL_SECONDS = 0.05


def tracking_id(root: str) -> str:
    """The ``RUNNER_TRACKING_ID`` of the job whose folder is ``root``."""
    return f"baton_{posixpath.basename(root.rstrip('/'))}"


def end_script(root: str, groups: tuple[int, ...], grace_seconds: float) -> str:
    """A script that TERMs every process of the job in ``root`` (marked, or in one of
    ``groups``), KILLs what outlives ``grace_seconds``, then removes the folder."""
    ticks = max(1, int(grace_seconds / POLL_SECONDS))
    entry = q(f"{VARIABLE}={tracking_id(root)}")
    return (
        f"baton_groups={q(' '.join(map(str, groups)))}\n"
        # grep -z reads environ's NUL-separated entries; the shells here do not carry the mark
        f"baton_marked() {{ [ -d /proc/self ] && grep -lzxF -e {entry} /proc/[0-9]*/environ 2>/dev/null"
        " | sed 's#^/proc/\\([0-9]*\\)/environ$#\\1#'; }\n"
        "baton_signal() { for p in $(baton_marked); do kill -\"$1\" \"$p\" 2>/dev/null; done;"
        " for g in $baton_groups; do kill -\"$1\" -- \"-$g\" 2>/dev/null; done; }\n"
        # a zombie still counts in its group: where /proc marks them, only the marked are waited for
        "baton_alive() { if [ -d /proc/self ]; then [ -n \"$(baton_marked)\" ]; return; fi;"
        " for g in $baton_groups; do kill -0 -- \"-$g\" 2>/dev/null && return 0; done; return 1; }\n"
        "if baton_alive; then baton_signal TERM; i=0; while baton_alive; do "
        f"if [ $i -ge {ticks} ]; then baton_signal KILL; break; fi; sleep {POLL_SECONDS}; i=$((i+1)); done; fi\n"
        "for g in $baton_groups; do kill -KILL -- \"-$g\" 2>/dev/null; done\n"
        f"chmod -R u+rwx -- {q(root)} 2>/dev/null; rm -rf -- {q(root)}\n"
    )
