"""The pool users' authenticator apps (TOTP, Cognito's SOFTWARE_TOKEN_MFA), as
Cognito keeps them.

moto knows the MFA settings of a user (AdminGetUser's `UserMFASettingList`, the
list the staff-MFA trigger reads) but gives every user one fixed secret and
accepts any code. So the secret and the check of a code live here, with pyotp:
a secret per user, made by AssociateSoftwareToken; a code checked against it
at VerifySoftwareToken and at every sign-in, one 30-second step either side of
the clock (a phone's clock drifts), and never the same step twice, as Cognito
refuses a code already used. Once a code verifies, moto is told too (it marks
the user's token verified, without which it refuses to turn MFA on), so its
AdminSetUserMFAPreference and AdminGetUser behave as Cognito's.
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
from collections.abc import Callable
from typing import Any

import pyotp

SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"


class Authenticators:
    def __init__(self, client: Any, pool_id: str, client_id: str, password: Callable[[], str]):
        self.client, self.pool_id, self.client_id, self._password = client, pool_id, client_id, password
        self._pending: dict[str, str] = {}  # username -> the secret AssociateSoftwareToken gave, not verified yet
        self._secrets: dict[str, str] = {}  # username -> the secret of the verified authenticator
        self._last_step: dict[str, int] = {}  # username -> the newest time step a code was accepted for
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the user's own calls
    def associate(self, username: str) -> str:
        """A new secret for the user's app (AssociateSoftwareToken). The one in
        use, if any, keeps working until a code of the new one verifies."""
        secret = pyotp.random_base32(length=32)
        with self._lock:
            self._pending[username] = secret
        return secret

    def verify(self, username: str, code: str) -> bool:
        """VerifySoftwareToken: the code of the newly associated secret makes it the user's."""
        with self._lock:
            secret = self._pending.get(username)
            if secret is None or not self._accept(username, secret, code):
                return False
            self._secrets[username] = self._pending.pop(username)
        self._moto_verified(username)
        return True

    def has_pending(self, username: str) -> bool:
        return username in self._pending

    def has(self, username: str) -> bool:
        return username in self._secrets

    def enabled(self, username: str) -> bool:
        """Whether the pool asks this user for a code at sign-in (what AdminGetUser says)."""
        user = self.client.admin_get_user(UserPoolId=self.pool_id, Username=username)
        return SOFTWARE_TOKEN_MFA in (user.get("UserMFASettingList") or [])

    def check(self, username: str, code: str) -> bool:
        """A sign-in's code."""
        with self._lock:
            secret = self._secrets.get(username)
            return secret is not None and self._accept(username, secret, code)

    def _accept(self, username: str, secret: str, code: str) -> bool:
        totp = pyotp.TOTP(secret)
        now = totp.timecode(dt.datetime.now(dt.UTC))
        for step in (now - 1, now, now + 1):
            if hmac.compare_digest(totp.generate_otp(step), code.strip()):
                if step <= self._last_step.get(username, -1):
                    return False  # used already
                self._last_step[username] = step
                return True
        return False

    def _moto_verified(self, username: str) -> None:
        """moto's VerifySoftwareToken needs a session of the user's own: a sign-in
        with a fresh password (the local sign-in asks for none, so none is lost)."""
        password = self._password()
        self.client.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=password,
                                            Permanent=True)
        started = self.client.admin_initiate_auth(UserPoolId=self.pool_id, ClientId=self.client_id,
                                                  AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                                  AuthParameters={"USERNAME": username, "PASSWORD": password})
        handle = ({"AccessToken": started["AuthenticationResult"]["AccessToken"]}
                  if "AuthenticationResult" in started else {"Session": started["Session"]})
        # The code was checked above against the user's own secret; moto's check knows only its fixed one.
        self.client.verify_software_token(**handle, UserCode="0" * 6)

    # ------------------------------------------------------------------ kept across restarts
    def saved(self, username: str, user: dict[str, Any]) -> dict[str, Any]:
        """What restore needs, `user` being AdminGetUser's answer."""
        return {"secret": self._secrets[username], "enabled": SOFTWARE_TOKEN_MFA in (user.get("UserMFASettingList") or []),
                "preferred": user.get("PreferredMfaSetting") == SOFTWARE_TOKEN_MFA}

    def restore(self, username: str, saved: dict[str, Any]) -> None:
        with self._lock:
            self._secrets[username] = saved["secret"]
        self._moto_verified(username)
        if saved.get("enabled"):
            self.client.admin_set_user_mfa_preference(
                UserPoolId=self.pool_id, Username=username,
                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": bool(saved.get("preferred"))})

