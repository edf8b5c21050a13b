"""Signed webhooks (the Standard Webhooks scheme): an OPD application's push is accepted
only when it proves it knows the application's secret, and only once.

The sender signs ``<webhook-id>.<webhook-timestamp>.<body>`` with HMAC-SHA256 under the
per-application secret (``whsec_<base64>``) and sends::

    webhook-id: msg_…
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 signature>   (several, space-separated, during a rotation)

The receiver (``standardwebhooks``, constant-time comparison) refuses a missing or wrong
signature and a timestamp more than 5 minutes from now (the replay window); a ``webhook-id``
seen within the window is answered without being applied again (a sender's retry, or a
replay). ``sign`` is what the simulators (and an integrator's adapter) use.
"""

from __future__ import annotations

import binascii
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from rumah.common.secret_settings import SecretSettingError, read_secret_setting

REPLAY_WINDOW_S = 300  # the library's tolerance, both ways
_ID_MEMORY = 2 * REPLAY_WINDOW_S  # an id cannot come back inside a window that accepts it


class WebhookRefused(Exception):
    def __init__(self, reason: str) -> None:  # unsigned | bad_signature | stale | unconfigured
        super().__init__(reason)
        self.reason = reason


def load_secret(raw: str, setting: str) -> str:
    """The ``whsec_…`` secret(s) of a setting (inline or a file's path), checked to decode.

    Several, separated by spaces, while a secret is being rotated: a push signed with any
    of them is accepted (the sender switches, then the old one is removed).
    """
    text, source = read_secret_setting(raw, setting)
    secret = " ".join(text.split())
    try:
        for one in secret.split(" "):
            Webhook(one)
    except Exception:  # noqa: BLE001 - binascii.Error, EmptyWebhookSecretError, …
        raise SecretSettingError(f"{source}: not a webhook secret (whsec_<base64>)") from None
    return secret


def sign(
    secret: str, body: bytes, *, msg_id: str | None = None, at: float | None = None
) -> dict[str, str]:
    """The three headers for ``body``, as a sender of a push sends them."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    moment = datetime.fromtimestamp(time.time() if at is None else at, UTC)
    signature = Webhook(secret).sign(msg_id, moment, body.decode("utf-8"))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


class WebhookReceiver:
    """Verifies pushes for one application and remembers the ids it accepted."""

    def __init__(self, secret: str | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._webhooks = [Webhook(one) for one in secret.split()] if secret else []
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self.refused: Counter[str] = Counter()  # by reason, for /metrics
        self.replays = 0

    @property
    def configured(self) -> bool:
        return bool(self._webhooks)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The push's ``webhook-id`` when it is to be applied; None when that id was
        applied already (a retry or a replay: answer it, apply nothing).

        Raises ``WebhookRefused`` (and counts it) when the push is not to be believed. Call
        ``applied(id)`` once it is applied: a push that failed (store down) may be retried.
        """
        try:
            msg_id = self._check(body, headers)
        except WebhookRefused as exc:
            self.refused[exc.reason] += 1
            raise
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - _ID_MEMORY:
            self._seen.popitem(last=False)
        if msg_id in self._seen:
            self.replays += 1
            return None
        return msg_id

    def applied(self, msg_id: str) -> None:
        self._seen[msg_id] = self._clock()
        self._seen.move_to_end(msg_id)

    def _check(self, body: bytes, headers: Mapping[str, str]) -> str:
        if not self._webhooks:
            raise WebhookRefused("unconfigured")
        names = ("webhook-id", "webhook-timestamp", "webhook-signature")
        wanted = {k: headers.get(k) for k in names}
        if not all(wanted.values()):
            raise WebhookRefused("unsigned")
        headers_given = {k: v for k, v in wanted.items() if v}
        reason = "bad_signature"
        for webhook in self._webhooks:  # several during a rotation: any one will do
            try:
                webhook.verify(body, headers_given, json_parse=False)
            except WebhookVerificationError as exc:
                if "timestamp too" in str(exc):
                    reason = "stale"
                continue
            except (ValueError, binascii.Error, UnicodeDecodeError):  # malformed header/body
                continue
            return str(wanted["webhook-id"])
        raise WebhookRefused(reason)
