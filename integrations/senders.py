"""Sending one delivery's message, and telling a failure worth retrying from a final one.

Slack and Teams go through apprise (its Slack, Mattermost and Workflows plugins build
each service's own body: Slack's attachment, Mattermost's {"text"}, Teams' Adaptive
Card). A generic webhook is one signed JSON POST made here with `requests` — apprise's
JSON plugin cannot sign the body it sends, and the signature must cover the exact bytes.

Every call has a timeout: apprise's through `cto`/`rto` in its URL
(endpoints.APPRISE_OPTIONS), the webhook's below."""

import json
import logging
import re

import apprise
import requests

from integrations import endpoints, signing
from integrations.models import Channel, ChannelKind

log = logging.getLogger(__name__)

# (connect, read) seconds for a webhook: a slow receiver costs a worker this at most.
WEBHOOK_TIMEOUT = (5, 15)
USER_AGENT = "Improvement tracker"
# How much of a receiver's answer an error message keeps.
ANSWER_TEXT = 300

# No icon, no footer, nothing written to disk (apprise's persistent store), no templates
# read from files: the message is what the payload says, nothing more.
ASSET = apprise.AppriseAsset(
    app_id=USER_AGENT,
    app_desc=USER_AGENT,
    app_url="",
    storage_mode="memory",
    allow_templates=False,
    result_log_disk_size=0,
)


class SendError(Exception):
    """The message did not get through. `status`: the HTTP status, when one came back."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class TransientSendError(SendError):
    """Worth trying again later: no connection, a timeout, HTTP 5xx or 429."""


class PermanentSendError(SendError):
    """The same however often tried: the receiver refused it (another 4xx), or the
    channel's address is wrong."""


def transient_status(status: int) -> bool:
    """429 Too Many Requests and 5xx are a busy or broken receiver: try again later."""
    return status == 429 or 500 <= status <= 599


def send(*, channel: Channel, payload: dict, delivery_id: str) -> int | None:
    """Send `payload` to `channel`; the HTTP status when known (a webhook's), else None.
    Raises TransientSendError or PermanentSendError."""
    if channel.kind == ChannelKind.WEBHOOK:
        return send_webhook(
            url=channel.url, secret=channel.secret, payload=payload, delivery_id=delivery_id
        )
    return send_chat(kind=channel.kind, url=channel.url, payload=payload)


def webhook_body(payload: dict) -> bytes:
    """The exact bytes posted and signed: compact, keys sorted, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def send_webhook(*, url: str, secret: str, payload: dict, delivery_id: str) -> int:
    body = webhook_body(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.header(secret=secret, body=body),
        "X-Tracker-Event": str(payload.get("event", "")),
        # The same on every attempt: a receiver drops a message it already has.
        "X-Tracker-Delivery": delivery_id,
    }
    try:
        # No redirects: a signed message goes to the address given, nowhere else.
        response = requests.post(
            url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT, allow_redirects=False
        )
    except requests.Timeout as exc:
        raise TransientSendError(f"Timed out: {exc}") from exc
    except requests.ConnectionError as exc:
        raise TransientSendError(f"Could not connect: {exc}") from exc
    except requests.RequestException as exc:
        raise PermanentSendError(f"Could not send: {exc}") from exc
    status = response.status_code
    if 200 <= status <= 299:
        return status
    answer = " ".join(response.text[:ANSWER_TEXT].split())
    message = f"HTTP {status} {response.reason}: {answer}".rstrip(": ")
    if transient_status(status):
        raise TransientSendError(message, status)
    raise PermanentSendError(message, status)


# apprise names the HTTP status of a refusal in its warning ("…, error=500.").
STATUS_IN_LOG = re.compile(r"error=(\d{3})\b")


def send_chat(*, kind: str, url: str, payload: dict) -> None:
    """Through apprise. It reports success or failure with its log lines, not an HTTP
    status: the status of a refusal is read from its warning, and a connection error is
    named as one (apprise 2.3's wording, pinned; the tests send to a real receiver)."""
    try:
        target = endpoints.apprise_url(kind=kind, url=url)
    except Exception as exc:
        raise PermanentSendError(f"The channel's address is not usable: {exc}") from exc
    notifier = apprise.Apprise(asset=ASSET)
    if not notifier.add(target):
        raise PermanentSendError("apprise could not use the channel's address.")
    result = notifier.notify(
        title=payload.get("title", ""),
        body=payload.get("text", ""),
        body_format=apprise.NotifyFormat.MARKDOWN,
    )
    if result:
        return None
    raise _failure(result)


def _failure(result) -> SendError:
    warnings = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
    text = " ".join(warnings) or "apprise reported a failure without a reason."
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return TransientSendError(f"Timed out: {text}")
    found = STATUS_IN_LOG.search(text)
    if found:
        status = int(found.group(1))
        error = TransientSendError if transient_status(status) else PermanentSendError
        return error(f"HTTP {status}: {text}", status)
    if "connection error" in text.lower():
        return TransientSendError(f"Could not connect: {text}")
    return PermanentSendError(text)
