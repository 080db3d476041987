"""The HTTP API JWT authorizer, emulated: RS256 tokens signed by a local key
stand in for Cognito's, and every non-public route checks them before any
handler runs, as API Gateway does.

The key is generated once and kept in the state directory, so tokens minted
before a restart keep working after it.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local import state

log = logging.getLogger("local.http")

TOKEN_LIFETIME_S = 12 * 3600
KEY_FILE = "jwt-signing-key.pem"


def load_or_create_key(state_dir: Path) -> rsa.RSAPrivateKey:
    path = state_dir / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey), path
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    state.write_private(path, pem)
    return key


PAGE_TOKEN_KEY_FILE = "page-token-key"


def load_or_create_page_token_key(state_dir: Path) -> str:
    """The key that signs list tokens: in AWS a generated secret (template.yaml),
    here a random one kept beside the JWT key, readable by its owner only."""
    path = state_dir / PAGE_TOKEN_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    state.write_private(path, key.encode())
    return key


class Authority:
    """Mints tokens shaped like Cognito ID tokens and verifies them like the JWT authorizer."""

    def __init__(self, key: rsa.RSAPrivateKey, issuer: str, audience: list[str]):
        self._key = key
        self.public_key = key.public_key()
        self.issuer = issuer
        self.audience = audience
        # Like a Cognito JWKS key id; the authorizer would pick the key by it.
        self.kid = uuid.uuid5(uuid.NAMESPACE_OID, issuer).hex

    def mint(self, sub: str, groups: list[str], member_id: str | None = None, affiliate: str | None = None,
             lifetime_s: int = TOKEN_LIFETIME_S, audience: str | None = None,
             extra: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None,
             suppress: Collection[str] = ()) -> str:
        """An ID token: the one that carries the groups and custom attributes.
        `overrides` and `suppress` are a pre token generation trigger's changes."""
        claims: dict[str, Any] = {
            **(extra or {}),
            "sub": sub,
            "cognito:groups": list(groups),
            "aud": audience or self.audience[0],
            "token_use": "id",
        }
        if member_id:
            claims["custom:member_id"] = member_id
        if affiliate:
            claims["custom:affiliate"] = affiliate
        claims.update(overrides or {})
        for name in suppress:
            claims.pop(name, None)
        return self.sign(claims, lifetime_s)

    def sign(self, claims: Mapping[str, Any], lifetime_s: int) -> str:
        now = int(time.time())
        claims = {**claims, "iss": self.issuer, "iat": now, "auth_time": now, "exp": now + lifetime_s}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def decode(self, token: str, token_use: str | None = None) -> dict[str, Any] | None:
        """Claims of a token this authority signed (signature, exp, iss), or None."""
        claims, _ = self._decode(token)
        return claims if claims is not None and (token_use is None or claims.get("token_use") == token_use) else None

    def _decode(self, token: str) -> tuple[dict[str, Any] | None, str]:
        try:
            return jwt.decode(token, self.public_key, algorithms=["RS256"], issuer=self.issuer,
                              options={"require": ["exp", "iss", "sub"], "verify_aud": False}), ""
        except jwt.PyJWTError as error:
            return None, f"{type(error).__name__}: {error}"

    def verify(self, authorization: str | None) -> Mapping[str, Any] | None:
        """The token's claims, or None when API Gateway would answer 401.

        Signature, exp and iss are checked, and the audience as API Gateway does:
        `aud` (an ID token) or `client_id` (an access token) must be one of the
        configured audiences. Real time is used (the domain clock in
        /_local/clock never moves token expiry)."""
        claims, reason = self._verify(authorization)
        if claims is None:
            # API Gateway says only "Unauthorized"; the stack's log says why, for whoever debugs a test.
            log.warning("401: %s", reason)
        return claims

    def _verify(self, authorization: str | None) -> tuple[Mapping[str, Any] | None, str]:
        if not authorization:
            return None, "no Authorization header"
        scheme, _, token = authorization.strip().partition(" ")
        # The authorizer accepts the token with or without the Bearer prefix.
        token = token.strip() if scheme.lower() == "bearer" else authorization.strip()
        claims, reason = self._decode(token)
        if claims is None:
            return None, f"{reason} (token {token[:12]}...{token[-6:]}, {len(token)} characters)"
        if claims.get("token_use") not in ("id", "access"):
            return None, f"token_use {claims.get('token_use')!r} is no bearer token"  # a refresh token
        audiences = claims.get("aud") or claims.get("client_id")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if not any(a in self.audience for a in audiences):
            return None, f"audience {audiences} is not one of {self.audience}"
        return claims, ""
