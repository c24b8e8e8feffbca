"""The signature of a generic webhook (README, "Verifying a webhook"):

    X-Tracker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

keyed with the channel's secret (its UTF-8 bytes), over the exact bytes of the body.
The timestamp inside the signed text lets a receiver refuse a replayed old message."""

import hashlib
import hmac
import secrets
import time

HEADER = "X-Tracker-Signature"
# How far a receiver may trust a signature's timestamp (what `verify` allows by default).
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, as 64 hex characters."""
    return secrets.token_hex(32)


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Tracker-Signature header's value for `body`, now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret=secret, body=body, timestamp=timestamp)}"


def verify(
    *,
    secret: str,
    body: bytes,
    header_value: str,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does (the README shows the same in a few lines): parse the header,
    recompute the HMAC over "<t>.<body>", compare in constant time, refuse an old t."""
    fields = dict(part.split("=", 1) for part in header_value.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, body=body, timestamp=timestamp)
    return hmac.compare_digest(expected, fields.get("v1", ""))
