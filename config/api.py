"""API plumbing shared by both apps: the error mapping and the URL table."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from improvement.workflow import MoveForbidden, MoveRefused


def exception_handler(exc, context):
    """The workflow's refusal is a 409 naming every unmet condition; a service's
    PermissionDenied is a 403 and its ValidationError a 400 with field messages."""
    if isinstance(exc, MoveRefused):
        return Response(
            {
                "detail": "The move is not possible yet.",
                "unmet": [u.as_dict() for u in exc.unmet],
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, MoveForbidden | DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
