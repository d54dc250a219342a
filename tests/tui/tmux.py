"""A real terminal for the dashboard's end-to-end tests: a private tmux server with one window."""

from __future__ import annotations

import shlex
import subprocess
import time
import uuid
from collections.abc import Callable


class Terminal:
    """A private tmux server with one window running a command; the window stays, with what
    the command printed last, once the command has exited."""

    def __init__(self, command: str, env: dict[str, str], *, width: int = 160, height: int = 45) -> None:
        self.socket = f"baton-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # remain-on-exit is set before the window exists: even a command that ends at once leaves its screen
        self._tmux("start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
                   "new-session", "-d", "-x", str(width), "-y", str(height), f"env {exports} {command}")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        """What the window shows now."""
        return self._tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        """Type keys (tmux key names: Enter, Escape, …)."""
        for key in keys:
            self._tmux("send-keys", key)
            time.sleep(0.15)  # one key at a time: an Escape followed at once by a letter reads as Alt+letter

    def wait_for(self, holds: Callable[[str], bool], seconds: float, what: str) -> str:
        """The screen, once ``holds`` is true of it."""
        deadline = time.monotonic() + seconds
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if holds(shown):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"the dashboard never showed {what}; it shows:\n{shown}")

    def close(self) -> None:
        """Stop the tmux server (and what runs in it)."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
