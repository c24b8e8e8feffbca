import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Claims as the test wrote them for the user (claims/<username>.json in the state
    folder): email, email_verified, name, groups… in the ID token and at userinfo."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile"}

    def get_additional_claims(self, request):
        path = settings.STATE_DIR / "claims" / f"{request.user.username}.json"
        return json.loads(path.read_text()) if path.exists() else {}
