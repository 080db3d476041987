"""Cognito's user API, the part the portal calls: a signed-in person's own
calls, authorised by their access token, emulated at

    POST /_local/cognito-idp/      (in AWS: https://cognito-idp.<region>.amazonaws.com/)

in the AWS JSON 1.1 protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`,
errors as `{"__type", "message"}` with status 400), for the four operations of
the portal's sign-in security page:

    GetUser                 the user's attributes and MFA settings
    AssociateSoftwareToken  a new secret for an authenticator app
    VerifySoftwareToken     its first code: the app is the user's
    SetUserMFAPreference    asks for the app's code at every sign-in

The access token must be one the local sign-in issued with the scope
`aws.cognito.signin.user.admin` (as Cognito requires); the user is the pool
user with the token's `sub`. The MFA settings land in moto, so AdminGetUser
answers what Cognito would (`UserMFASettingList`), and the secrets and code
checks are local.authenticators'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from werkzeug.wrappers import Request, Response

from local.auth import Authority

PATH = "/_local/cognito-idp/"
SERVICE = "AWSCognitoIdentityProviderService"
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
CONTENT_TYPE = "application/x-amz-json-1.1"


class UserApiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class CognitoUserApi:
    def __init__(self, authority: Authority, user_pool: Any, on_change: Callable[[], None] = lambda: None):
        self.authority, self.user_pool, self.on_change = authority, user_pool, on_change
        self.operations: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "GetUser": self.get_user,
            "AssociateSoftwareToken": self.associate_software_token,
            "VerifySoftwareToken": self.verify_software_token,
            "SetUserMFAPreference": self.set_user_mfa_preference,
        }

    def handles(self, path: str) -> bool:
        return path in (PATH, PATH.rstrip("/"))

    def __call__(self, request: Request) -> Response:
        try:
            if request.method != "POST":
                raise UserApiError("UnknownOperationException", f"{request.method} is not an operation.")
            service, _, name = request.headers.get("X-Amz-Target", "").partition(".")
            operation = self.operations.get(name) if service == SERVICE else None
            if operation is None:
                raise UserApiError("UnknownOperationException",
                                   f"{request.headers.get('X-Amz-Target')!r}: the local user API answers "
                                   f"{', '.join(self.operations)}.")
            try:
                body = json.loads(request.get_data(cache=True) or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise UserApiError("SerializationException", "The body is not a JSON object.")
            username = self._user(body.get("AccessToken"))
            try:
                answer = operation(username, body)
            except ClientError as error:  # moto's answer is Cognito's
                raise UserApiError(error.response["Error"]["Code"], error.response["Error"]["Message"]) from error
        except UserApiError as error:
            return Response(json.dumps({"__type": error.code, "message": error.message}), status=400,
                            content_type=CONTENT_TYPE, headers={"x-amzn-ErrorType": error.code})
        if name != "GetUser":
            self.on_change()
        return Response(json.dumps(answer), status=200, content_type=CONTENT_TYPE)

    def _user(self, access_token: Any) -> str:
        claims = self.authority.decode(access_token, token_use="access") if isinstance(access_token, str) else None
        if claims is None or claims.get("client_id") not in self.authority.audience:
            raise UserApiError("NotAuthorizedException", "Invalid Access Token")
        if ADMIN_SCOPE not in str(claims.get("scope", "")).split():
            raise UserApiError("NotAuthorizedException", "Access Token does not have required scopes")
        username = self.user_pool.username_of_sub(claims["sub"])
        if username is None:
            # A demo sign-in's token: its user is in no pool.
            raise UserApiError("UserNotFoundException", "User does not exist.")
        return username

    # ------------------------------------------------------------------ operations
    def get_user(self, username: str, body: dict[str, Any]) -> dict[str, Any]:
        user = self.user_pool.client.admin_get_user(UserPoolId=self.user_pool.pool_id, Username=username)
        answer = {"Username": user["Username"], "UserAttributes": user.get("UserAttributes", [])}
        if user.get("UserMFASettingList"):
            # Cognito leaves both out for a user without MFA.
            answer["UserMFASettingList"] = user["UserMFASettingList"]
            answer["PreferredMfaSetting"] = user.get("PreferredMfaSetting") or user["UserMFASettingList"][0]
        return answer

    def associate_software_token(self, username: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"SecretCode": self.user_pool.authenticators.associate(username)}

    def verify_software_token(self, username: str, body: dict[str, Any]) -> dict[str, Any]:
        code = body.get("UserCode")
        if not isinstance(code, str) or not re.fullmatch(r"[0-9]{6}", code):
            raise UserApiError("InvalidParameterException", "1 validation error detected: Value at 'userCode' "
                                                            "failed to satisfy constraint: Member must satisfy "
                                                            "regular expression pattern: [0-9]+ of length 6")
        authenticators = self.user_pool.authenticators
        if not authenticators.has_pending(username):
            raise UserApiError("InvalidParameterException", "User has not associated a software token.")
        if not authenticators.verify(username, code):
            # Cognito's words for a wrong code at this step.
            raise UserApiError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
        return {"Status": "SUCCESS"}

    def set_user_mfa_preference(self, username: str, body: dict[str, Any]) -> dict[str, Any]:
        settings = body.get("SoftwareTokenMfaSettings")
        if not isinstance(settings, dict):
            raise UserApiError("InvalidParameterException", "SoftwareTokenMfaSettings is required here (the "
                                                            "pool offers authenticator apps only).")
        if settings.get("Enabled") and not self.user_pool.authenticators.has(username):
            raise UserApiError("InvalidParameterException",
                               "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
        self.user_pool.client.admin_set_user_mfa_preference(
            UserPoolId=self.user_pool.pool_id, Username=username,
            SoftwareTokenMfaSettings={"Enabled": bool(settings.get("Enabled")),
                                      "PreferredMfa": bool(settings.get("PreferredMfa"))})
        return {}
