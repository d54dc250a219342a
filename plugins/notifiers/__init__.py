"""Built-in notifiers: ``webhook`` (a signed JSON POST) and ``desktop`` (``notify-send``)."""

from __future__ import annotations

from collections.abc import Sequence

from plugins.notifiers.desktop import DesktopNotifier
from plugins.notifiers.webhook import WebhookNotifier
from runner.api import NotifierClass, hookimpl


@hookimpl
def baton_register_notifiers() -> Sequence[NotifierClass]:
    """The built-in notifier kinds."""
    return (WebhookNotifier, DesktopNotifier)
