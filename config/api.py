"""API plumbing shared by the apps: the error mapping, the client address, the docs page."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from improvement.workflow import MoveForbidden, MoveRefused


def exception_handler(exc, context):
    """The workflow's refusal is a 409 naming every unmet condition; a service's
    PermissionDenied is a 403 and its ValidationError a 400 with field messages; a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE a 400, in JSON like the rest."""
    if isinstance(exc, MoveRefused):
        return Response(
            {
                "detail": "The move is not possible yet.",
                "unmet": [u.as_dict() for u in exc.unmet],
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = exceptions.ParseError(f"The request body is larger than {limit:,} bytes.")
    elif isinstance(exc, MoveForbidden | DjangoPermissionDenied):
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


def client_ip(request) -> str | None:
    """The client's address, read as DRF's throttles read it (settings.PROXY_COUNT): the
    django-axes lockout counts failures per username and this address."""
    return BaseThrottle().get_ident(request)


# Swagger UI's page carries a small inline <style>; its start-up script is served by the
# split view as a separate /api/docs/?script= request, so scripts stay 'self' only.
@method_decorator(csp_update({"style-src": [UNSAFE_INLINE]}), name="get")
class APIDocsView(SpectacularSwaggerSplitView):
    """`/api/docs/`: Swagger UI from the vendored sidecar assets."""


def not_found(request, exception):
    """`handler404`: a path under /api/ that no route matches (`/api/initiatives/abc/`)
    answers like the API's own 404s, `{"detail"}` in JSON; elsewhere, Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
