"""Token authentication for tools: ``Authorization: Bearer <key>`` with a personal API token."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from fota_portal.services.tokens import api_token_authenticate


class APITokenAuthentication(authentication.BaseAuthentication):
    """Authenticates ``Authorization: Bearer fp_…`` against the stored token hashes; ``request.auth`` is the token."""

    keyword = "bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>', with no spaces.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API token holds characters a token never has.") from None
        token = api_token_authenticate(key=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The API token is unknown or revoked; create a new one.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Naming a scheme here is what makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="api"'
