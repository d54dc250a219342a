"""Built-in notifiers: ``webhook`` (a signed JSON POST) and ``desktop`` (``notify-send``)."""

from __future__ import annotations

from collections.abc import Sequence

from runner.api import NotifierClass, hookimpl


@hookimpl
def baton_register_notifiers() -> Sequence[NotifierClass]:
    """The built-in notifier kinds (imported only when asked for: a run that notifies
    nobody never loads the HTTP client)."""
    from plugins.notifiers.desktop import DesktopNotifier
    from plugins.notifiers.webhook import WebhookNotifier

    return (WebhookNotifier, DesktopNotifier)
