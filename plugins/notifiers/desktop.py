"""``kind = "desktop"``: a desktop notification through ``notify-send``, when this
machine has a desktop session (``DISPLAY``, ``WAYLAND_DISPLAY`` or a session bus)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import ClassVar

from runner.api import ConfigError, DeliveryError, Notice, Value

_SESSION = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")


class DesktopNotifier:
    """Shows each notice on the user's desktop."""

    kind: ClassVar[str] = "desktop"

    def __init__(self, name: str, options: Mapping[str, Value], secret: str | None) -> None:
        if options:
            raise ConfigError(f"[notify.{name}] a desktop notifier takes no {', '.join(sorted(options))}")
        del secret

    def send(self, notice: Notice) -> None:
        """Run ``notify-send`` with the run's outcome; a machine without a desktop is said plainly."""
        if not any(os.environ.get(name) for name in _SESSION):
            raise DeliveryError("no desktop session here (DISPLAY, WAYLAND_DISPLAY and DBUS_SESSION_BUS_ADDRESS unset)")
        program = shutil.which("notify-send")
        if program is None:
            raise DeliveryError("notify-send is not installed (Debian: apt install libnotify-bin)")
        title = f"{notice.repository}: {notice.workflow} {notice.reason}"
        lines = [f"run #{notice.run} on {notice.ref.split('/', 2)[-1]} ({notice.sha[:7]})"]
        lines += [f"{job.name}: {job.error or job.conclusion}" for job in notice.jobs]
        urgency = "critical" if notice.reason == "failure" else "normal"
        try:
            subprocess.run([program, "--app-name=baton", f"--urgency={urgency}", title, "\n".join(lines)],
                           check=True, capture_output=True, timeout=10)  # fmt: skip
        except (subprocess.SubprocessError, OSError) as exc:
            raise DeliveryError(f"notify-send failed: {exc}") from None
