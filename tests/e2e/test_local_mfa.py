"""The local user pool as Cognito runs it for staff MFA, over HTTP: the pool's
pre token generation trigger at every sign-in and refresh of a pool user, the
user API the portal calls to set up an authenticator app (AWS JSON protocol,
authorised by the access token), and the code managed login then asks for."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pyotp
import requests

from .stack import Client
from .test_local_sign_in import discovery, pkce

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
WRONG_CODE = "That code did not match. Check your phone&#x27;s time and try the newest code."


def staff_account(client: Client, email: str) -> None:
    made = requests.post(f"{client.url}/_local/user-pool/sign-up", json={"email": email, "groups": ["naaei"]},
                         timeout=30)
    assert made.status_code == 201, made.text


def sign_in(client: Client, email: str | None, *, code: str | None = None,
            scope: str = f"openid email {ADMIN_SCOPE}", **form: str) -> requests.Response:
    """The sign-in page's e-mail form (and the code, when one is given), or its typed-in user's."""
    config = client.request("GET", "/config.json").json()
    verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": config["clientId"], "scope": scope,
              "redirect_uri": f"{client.url}/auth/callback", "state": "st", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    form = {**form, **({"email": email} if email is not None else {}), **({"code": code} if code else {})}
    reply = requests.post(discovery(client)["authorization_endpoint"], params=params, data=form,
                          allow_redirects=False, timeout=30)
    reply.verifier = verifier  # type: ignore[attr-defined]
    return reply


def tokens_of(client: Client, reply: requests.Response) -> dict[str, Any]:
    assert reply.status_code == 302, reply.text
    code = requests.utils.urlparse(reply.headers["Location"]).query.split("code=")[1].split("&")[0]
    config = client.request("GET", "/config.json").json()
    exchanged = requests.post(discovery(client)["token_endpoint"], timeout=30, data={
        "grant_type": "authorization_code", "code": code, "code_verifier": reply.verifier,  # type: ignore[attr-defined]
        "client_id": config["clientId"], "redirect_uri": f"{client.url}/auth/callback"})
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()


def user_api(client: Client, operation: str, body: dict[str, Any]) -> requests.Response:
    url = client.request("GET", "/config.json").json()["userPoolApiUrl"]
    return requests.post(url, json=body, timeout=30, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_staff_without_an_authenticator_sign_in_without_their_group_then_set_one_up_and_get_it(client: Client):
    email = "mfa.staff@example.org"
    staff_account(client, email)

    # Signed in, but the trigger withheld naaei: the API treats them as nobody in particular.
    first = tokens_of(client, sign_in(client, email))
    id_claims = claims(first["id_token"])
    assert id_claims["cognito:groups"] == [] and id_claims["mfa_required_for"] == "naaei"
    assert claims(first["access_token"])["cognito:groups"] == []  # the group override is the access token's too
    assert client.request("GET", "/admin/payments", token=first["id_token"]).status_code == 403

    access = {"AccessToken": first["access_token"]}
    user = user_api(client, "GetUser", access)
    assert user.status_code == 200, user.text
    assert {"Name": "email", "Value": email} in user.json()["UserAttributes"]
    assert "UserMFASettingList" not in user.json()

    secret = user_api(client, "AssociateSoftwareToken", access).json()["SecretCode"]
    totp = pyotp.TOTP(secret)
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    refused = user_api(client, "VerifySoftwareToken", {**access, "UserCode": wrong})
    assert refused.status_code == 400 and refused.json()["__type"] == "EnableSoftwareTokenMFAException"
    assert refused.headers["x-amzn-ErrorType"] == "EnableSoftwareTokenMFAException"
    # Not turned on before the app is verified.
    early = user_api(client, "SetUserMFAPreference",
                     {**access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}})
    assert early.status_code == 400 and early.json()["__type"] == "InvalidParameterException"

    used = totp.now()
    verified = user_api(client, "VerifySoftwareToken", {**access, "UserCode": used, "FriendlyDeviceName": "phone"})
    assert verified.status_code == 200 and verified.json() == {"Status": "SUCCESS"}, verified.text
    turned_on = user_api(client, "SetUserMFAPreference",
                         {**access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}})
    assert turned_on.status_code == 200 and turned_on.json() == {}
    settings = user_api(client, "GetUser", access).json()
    assert settings["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert settings["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    # The next sign-in asks for the code; a wrong one, or the one used already, is refused.
    asked = sign_in(client, email)
    assert asked.status_code == 200 and 'name="code"' in asked.text and "authenticator app" in asked.text
    for bad in (wrong, used):
        again = sign_in(client, email, code=bad)
        assert again.status_code == 422 and WRONG_CODE in again.text
    # The newest code (the next 30-second step: a phone's clock may run ahead) passes, and naaei is back.
    second = tokens_of(client, sign_in(client, email, code=totp.at(time.time() + 30)))
    assert claims(second["id_token"])["cognito:groups"] == ["naaei"]
    assert "mfa_required_for" not in claims(second["id_token"])
    assert client.request("GET", "/admin/payments", token=second["id_token"]).status_code == 200

    # A refresh runs the trigger again, on what the pool holds now.
    config = client.request("GET", "/config.json").json()
    renewed = requests.post(discovery(client)["token_endpoint"], timeout=30, data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": config["clientId"]})
    assert renewed.status_code == 200, renewed.text
    assert claims(renewed.json()["id_token"])["cognito:groups"] == ["naaei"]


def test_the_user_api_refuses_tokens_it_should(client: Client):
    email = "mfa.refused@example.org"
    staff_account(client, email)
    without_scope = tokens_of(client, sign_in(client, email, scope="openid email"))
    refused = user_api(client, "GetUser", {"AccessToken": without_scope["access_token"]})
    assert refused.status_code == 400 and refused.json() == {
        "__type": "NotAuthorizedException", "message": "Access Token does not have required scopes"}
    # The ID token is no access token.
    assert user_api(client, "GetUser", {"AccessToken": without_scope["id_token"]}).json()["__type"] == \
        "NotAuthorizedException"
    assert user_api(client, "GetUser", {"AccessToken": "not-a-token"}).json()["__type"] == "NotAuthorizedException"

    good = tokens_of(client, sign_in(client, email))
    unknown = user_api(client, "AdminDeleteUser", {"AccessToken": good["access_token"]})
    assert unknown.status_code == 400 and unknown.json()["__type"] == "UnknownOperationException"
    no_secret = user_api(client, "VerifySoftwareToken", {"AccessToken": good["access_token"], "UserCode": "123456"})
    assert no_secret.status_code == 400 and no_secret.json()["__type"] == "InvalidParameterException"
    malformed = user_api(client, "VerifySoftwareToken", {"AccessToken": good["access_token"], "UserCode": "12ab"})
    assert malformed.status_code == 400 and malformed.json()["__type"] == "InvalidParameterException"

    # The typed-in user of the sign-in page (the developer's shortcut) has no account in the pool.
    typed = tokens_of(client, sign_in(client, None, sub="typed-staff", groups="naaei"))
    assert claims(typed["id_token"])["cognito:groups"] == ["naaei"]  # no trigger for it
    nobody = user_api(client, "GetUser", {"AccessToken": typed["access_token"]})
    assert nobody.status_code == 400 and nobody.json()["__type"] == "UserNotFoundException"


def test_an_authenticator_app_survives_a_restart_of_the_stack(client: Client):
    email = "mfa.kept@example.org"
    staff_account(client, email)
    access = {"AccessToken": tokens_of(client, sign_in(client, email))["access_token"]}
    totp = pyotp.TOTP(user_api(client, "AssociateSoftwareToken", access).json()["SecretCode"])
    assert user_api(client, "VerifySoftwareToken", {**access, "UserCode": totp.now()}).status_code == 200
    assert user_api(client, "SetUserMFAPreference",
                    {**access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}).status_code == 200

    assert client.server.restart() == 0, client.server.output()

    assert 'name="code"' in sign_in(client, email).text  # still asked for
    kept = tokens_of(client, sign_in(client, email, code=totp.at(time.time() + 30)))
    assert claims(kept["id_token"])["cognito:groups"] == ["naaei"]
    settings = user_api(client, "GetUser", {"AccessToken": kept["access_token"]}).json()
    assert settings["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
