"""The local stack's stand-in for the user pool's sign-in (OIDC authorization
code with PKCE) and the portal served beside the API, over HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from .stack import Client

PREFIX = "/_local/cognito"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def discovery(client: Client) -> dict:
    reply = client.request("GET", f"{PREFIX}/.well-known/openid-configuration")
    assert reply.status_code == 200, reply.text
    return reply.json()


def authorize(client: Client, challenge: str, *, redirect: str | None = None, **who: str) -> requests.Response:
    config = client.request("GET", "/config.json").json()
    params = {"response_type": "code", "client_id": config["clientId"], "scope": "openid email",
              "redirect_uri": redirect or f"{client.url}/auth/callback", "state": "st-1", "nonce": "n-1",
              "code_challenge": challenge, "code_challenge_method": "S256"}
    return requests.post(discovery(client)["authorization_endpoint"], params=params, data=who, allow_redirects=False,
                         timeout=10)


def code_of(reply: requests.Response) -> str:
    assert reply.status_code == 302, reply.text
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def exchange(client: Client, code: str, verifier: str) -> requests.Response:
    config = client.request("GET", "/config.json").json()
    return requests.post(discovery(client)["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "client_id": config["clientId"],
        "redirect_uri": f"{client.url}/auth/callback"})


def test_the_portal_config_names_the_api_and_the_sign_in_endpoints(client: Client) -> None:
    config = client.request("GET", "/config.json").json()
    assert config["apiUrl"] == client.url
    assert config["authority"] == f"{client.url}{PREFIX}"
    found = discovery(client)
    # The issuer is the user pool's (what the authorizer checks); the endpoints are the stack's.
    assert found["issuer"].startswith("https://cognito-idp.")
    assert found["authorization_endpoint"] == f"{client.url}{PREFIX}/oauth2/authorize"
    assert found["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(found["jwks_uri"], timeout=10).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"]


def test_the_authorize_page_is_a_plain_form_with_demo_users_and_a_sign_in_button(client: Client) -> None:
    _, challenge = pkce()
    config = client.request("GET", "/config.json").json()
    page = requests.get(discovery(client)["authorization_endpoint"], timeout=10, params={
        "response_type": "code", "client_id": config["clientId"], "redirect_uri": f"{client.url}/auth/callback",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name in ("sub", "groups", "member_id", "affiliate"):
        assert f'name="{name}"' in page.text
    assert re.search(r"<button type=\"submit\">Sign in</button>", page.text)


def test_code_with_pkce_gives_an_id_token_the_api_accepts_and_the_code_works_once(client: Client) -> None:
    verifier, challenge = pkce()
    code = code_of(authorize(client, challenge, sub="portal-user", groups="member", member_id="M-OIDC-1"))
    tokens = exchange(client, code, verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["member"] and claims["custom:member_id"] == "M-OIDC-1"
    assert claims["nonce"] == "n-1" and claims["token_use"] == "id"
    # The ID token is the API's bearer token: this member has no record, so 404, not 401.
    assert client.request("GET", "/me", token=body["id_token"]).status_code == 404
    # A code is single-use.
    assert exchange(client, code, verifier).json()["error"] == "invalid_grant"


def test_a_wrong_verifier_or_redirect_is_refused(client: Client) -> None:
    _, challenge = pkce()
    code = code_of(authorize(client, challenge, sub="u", groups="member", member_id="M-1"))
    refused = exchange(client, code, "not-the-verifier-" + "x" * 40)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    elsewhere = authorize(client, challenge, redirect="https://evil.example.com/cb", sub="u", groups="member")
    assert elsewhere.status_code == 400 and "redirect_uri" in elsewhere.text


def test_bad_groups_are_shown_on_the_form_and_no_code_is_issued(client: Client) -> None:
    _, challenge = pkce()
    reply = authorize(client, challenge, sub="u", groups="member,admin")
    assert reply.status_code == 422 and 'aria-invalid="true"' in reply.text
    assert "Groups are member, affiliate or naaei" in reply.text


def test_a_refresh_token_renews_but_is_no_bearer_token(client: Client) -> None:
    verifier, challenge = pkce()
    body = exchange(client, code_of(authorize(client, challenge, sub="s", groups="naaei")), verifier).json()
    config = client.request("GET", "/config.json").json()
    renewed = requests.post(discovery(client)["token_endpoint"], timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": config["clientId"]})
    assert renewed.status_code == 200, renewed.text
    assert "refresh_token" not in renewed.json()  # as Cognito: a refresh keeps the refresh token
    assert client.request("GET", "/admin/payments", token=renewed.json()["id_token"]).status_code == 200
    assert client.request("GET", "/admin/payments", token=body["refresh_token"]).status_code == 401


def test_logout_returns_only_to_the_portal(client: Client) -> None:
    config = client.request("GET", "/config.json").json()
    back = requests.get(config["logoutUrl"], allow_redirects=False, timeout=10,
                        params={"client_id": config["clientId"], "logout_uri": f"{client.url}/signed-out"})
    assert back.status_code == 302 and back.headers["Location"] == f"{client.url}/signed-out"
    away = requests.get(config["logoutUrl"], allow_redirects=False, timeout=10,
                        params={"client_id": config["clientId"], "logout_uri": "https://evil.example.com/"})
    assert away.status_code == 400


@pytest.mark.parametrize("path", ["/", "/contact", "/cecs/report", "/verify/ABCD-0000-0000-0000"])
def test_a_browser_opening_a_page_gets_the_portal_with_its_security_headers(client: Client, path: str) -> None:
    page = requests.get(f"{client.url}{path}", timeout=10,
                        headers={"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_clients_still_get_json_on_the_shared_paths(client: Client) -> None:
    # The verify page shares its path with the API's route: only a navigation gets the page.
    assert client.request("GET", "/verify/ABCD-0000-0000-0000").json()["error"]["code"] == "not_found"
    assert client.request("GET", "/no/such/route").json()["error"]["code"] in ("not_found", "route_not_found")
