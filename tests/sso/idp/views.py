import json

from django.conf import settings
from django.http import JsonResponse
from jwcrypto import jwk


def wrong_jwks(request):
    """A key set like /o/.well-known/jwks.json, but its key is another one under the real
    key's id: every ID token's signature fails against it."""
    real = jwk.JWK.from_pem(settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"].encode())
    other = jwk.JWK.from_pem(settings.WRONG_RSA_PRIVATE_KEY.encode())
    key = {**json.loads(other.export_public()), "alg": "RS256", "use": "sig"}
    key["kid"] = real.thumbprint()
    return JsonResponse({"keys": [key]})
