"""Text a person types that every path stores alike."""

from django.core.exceptions import ValidationError

# The longest reason for a correction (the notes' limit, metrics.models.TEXT_MAX_LENGTH).
REASON_MAX_LENGTH = 5000


def clean_reason(reason) -> str:
    """A correction's reason as the history keeps it: stripped. Refused (ValidationError
    on "reason") when it is not text, holds a NUL character (PostgreSQL's text cannot
    store one) or is longer than REASON_MAX_LENGTH — whichever path it came by, a query
    string included."""
    if not isinstance(reason, str):
        raise ValidationError({"reason": "Give the reason as text."})
    if "\x00" in reason:
        raise ValidationError({"reason": "The reason holds a NUL character."})
    if len(reason) > REASON_MAX_LENGTH:
        limit = f"Keep the reason to {REASON_MAX_LENGTH:,} characters ({len(reason):,} now)."
        raise ValidationError({"reason": limit})
    return reason.strip()
