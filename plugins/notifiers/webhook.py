"""``kind = "webhook"``: a POST of the notice as JSON, signed as GitHub signs its webhooks.

With a ``secret``, the header ``X-Baton-Signature-256: sha256=<hex>`` carries the
HMAC-SHA256 of the body keyed with the secret's value, so the receiver can check the
body came from this baton. A 5xx answer, a refused connection or a timeout is tried
again after 1, 2, 4 … seconds (``attempts`` in all, default 4); a 4xx answer is final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict
from typing import ClassVar
from urllib.parse import urlsplit

from runner.api import ConfigError, DeliveryError, Notice, Value

SIGNATURE_HEADER = "X-Baton-Signature-256"


class WebhookNotifier:
    """POSTs each notice to one URL."""

    kind: ClassVar[str] = "webhook"

    def __init__(self, name: str, options: Mapping[str, Value], secret: str | None) -> None:
        self._secret = secret
        url = options.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ConfigError(f"[notify.{name}] url must be an http:// or https:// URL, not {url!r}")
        self._url = url
        self._attempts = _number(options, "attempts", 4, name)
        self._timeout = _number(options, "timeout", 10, name)
        self._backoff = _number(options, "backoff", 1, name)
        unknown = sorted(set(options) - {"url", "attempts", "timeout", "backoff"})
        if unknown:
            raise ConfigError(f"[notify.{name}] unknown setting {', '.join(unknown)} for a webhook "
                              "(known: url, secret, attempts, timeout, backoff, on, repos, workflows, branches)")

    def body(self, notice: Notice) -> bytes:
        """The JSON document sent."""
        return json.dumps(asdict(notice), sort_keys=True).encode()

    def send(self, notice: Notice) -> None:
        """POST the notice; retries 5xx answers and connection failures with backoff."""
        body = self.body(notice)
        headers = {"Content-Type": "application/json", "User-Agent": "baton"}
        if self._secret is not None:
            digest = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        host = urlsplit(self._url).netloc
        for attempt in range(1, int(self._attempts) + 1):
            request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310 - http(s) checked
                    answer.read()
                return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise DeliveryError(f"{host} refused the webhook: HTTP {exc.code} {exc.reason}") from None
                problem = f"HTTP {exc.code} {exc.reason}"
            except (urllib.error.URLError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            if attempt < self._attempts:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        raise DeliveryError(f"{host} did not take the webhook after {int(self._attempts)} attempts: {problem}")


def _number(options: Mapping[str, Value], key: str, default: float, name: str) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"[notify.{name}] {key} must be a positive number, not {value!r}")
    return float(value)
