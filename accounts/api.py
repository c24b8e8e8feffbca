"""The API's sign-in and its tokens: `POST /api/auth/token/` issues a token for a
username and password (refused with 403 when LOCAL_PASSWORD_LOGIN is off); `POST
/api/auth/tokens/` issues one for a web session (single sign-on users have no password);
`GET /api/auth/tokens/` lists the caller's own; `DELETE
/api/auth/tokens/{key}/` revokes one; `POST /api/auth/logout/` revokes the one in use."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens


class TokenSerializer(serializers.Serializer):
    key = serializers.CharField(source="token_key", help_text="Names the token; not the token.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.SerializerMethodField(help_text="The token of this request.")

    def get_current(self, token) -> bool:
        return token == self.context["request"].auth


ISSUED = inline_serializer(
    "IssuedToken",
    {"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
)


class ObtainTokenView(APIView):
    """`POST /api/auth/token/`: a new token for a username and password, at most
    RATE_LIMITS["sign_in"] times per address (429 past it). A username and
    address that django-axes has locked out get 429 with Retry-After instead of the wrong
    password's 400 (axes refuses them either way: the serializer calls `authenticate`)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    serializer_class = AuthTokenSerializer
    throttle_scope = "sign_in"  # per address: the caller is anonymous

    @extend_schema(request=AuthTokenSerializer, responses={200: ISSUED})
    def post(self, request):
        if not settings.LOCAL_PASSWORD_LOGIN:
            raise exceptions.PermissionDenied(
                _(
                    "Password sign-in is switched off here. Sign in on the web with single "
                    "sign-on, then create a token with POST /api/auth/tokens/."
                )
            )
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # Axes marks the request it was given: DRF's Request, not Django's.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail="Too many failed sign-ins for this username from this address.",
                ) from None
            raise
        row, token = tokens.issue(serializer.validated_data["user"])
        return Response({"token": token, "expiry": row.expiry})


class TokenListView(APIView):
    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        rows = tokens.owned_by(request.user)
        return Response(TokenSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=None, responses={201: ISSUED})
    def post(self, request):
        """A new token for the signed-in user, from a web session (with its CSRF token):
        how people who sign in with single sign-on, and have no password, get one."""
        if request.auth is not None:
            raise exceptions.PermissionDenied(
                _("A token cannot create tokens: sign in on the web and create it there.")
            )
        row, token = tokens.issue(request.user)
        return Response({"token": token, "expiry": row.expiry}, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Revoked.")})
    def delete(self, request, key: str):
        if not tokens.revoke(user=request.user, token_key=key):
            raise exceptions.NotFound("You have no token with that key.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Revoked.")})
    def post(self, request):
        if request.auth is None:
            raise exceptions.ValidationError("Signed in without a token: nothing to revoke.")
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
