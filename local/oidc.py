"""The Cognito user pool's OAuth 2.0 / OpenID Connect endpoints, emulated, so
the portal's own sign-in code (authorization code with PKCE, through
oidc-client-ts) runs unchanged against the local stack:

    GET  /_local/cognito/.well-known/openid-configuration   discovery
    GET  /_local/cognito/.well-known/jwks.json              the signing key
    GET  /_local/cognito/oauth2/authorize                   the sign-in page (a plain form)
    POST /_local/cognito/oauth2/authorize                   its submit: back to redirect_uri with a code
    POST /_local/cognito/oauth2/token                       code (+ PKCE verifier) or refresh token -> tokens
    GET  /_local/cognito/oauth2/userInfo                    the caller's claims
    GET  /_local/cognito/logout?client_id=&logout_uri=      Cognito's sign-out: back to logout_uri

    GET  /_local/cognito/signup                             the sign-up page (managed login's own path)
    POST /_local/cognito/signup                             signs up in the user pool, signed in at once

The tokens are the ones /_local/token mints (the same key, issuer and
audience the emulated JWT authorizer checks). Unlike Cognito there is no
password: the page asks who you are (sub, groups, member id, affiliate), and
offers the demo users in one click; a person with an account in the local
user pool (local.cognito) signs in with their e-mail, and the sign-up page
creates one: the pool's post-confirmation trigger runs as in AWS, and the
tokens carry the claims the pool then holds (member id and group once linked).

As managed login does, a pool user with an authenticator app is asked for its
code after the e-mail, and every token of a pool user (sign-in, sign-up,
refresh) goes through the pool's pre token generation trigger, if the template
names one. The demo users and the "any user" form are the developer's
shortcut: no pool account, no code, no trigger.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from local.auth import TOKEN_LIFETIME_S, Authority
from local.cognito import TriggerFailed
from local.helpers import TokenRequest
from local.responses import json_response

PREFIX = "/_local/cognito"
CODE_LIFETIME_S = 300  # Cognito's authorization codes live five minutes
REFRESH_LIFETIME_S = 30 * 24 * 3600  # Cognito's default refresh token validity
SCOPES = ("openid", "email", "profile", "aws.cognito.signin.user.admin")
WRONG_CODE = "That code did not match. Check your phone's time and try the newest code."


@dataclass(frozen=True)
class DemoUser:
    label: str  # what the one-click button says
    sub: str
    groups: tuple[str, ...]
    member_id: str | None = None
    affiliate: str | None = None


@dataclass
class _Grant:
    claims: TokenRequest
    client_id: str
    redirect_uri: str
    challenge: str | None
    nonce: str | None
    scope: str
    expires: float
    username: str | None = None  # a user of the pool (not a demo sign-in)
    id_claims: dict[str, Any] = field(default_factory=dict)  # the pre token generation trigger's changes
    suppress: tuple[str, ...] = ()


class CognitoEmulation:
    def __init__(self, authority: Authority, base_url: str, allowed_origins: Callable[[], Sequence[str]],
                 demo_users: Callable[[], Sequence[DemoUser]] = lambda: (), user_pool: Any = None):
        self.authority = authority
        self.user_pool = user_pool  # local.cognito.LocalUserPool: accounts by e-mail, sign-up with its trigger
        self.base = base_url.rstrip("/") + PREFIX
        self.allowed_origins, self.demo_users = allowed_origins, demo_users
        self._codes: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self.routes = Map([
            Rule(f"{PREFIX}/.well-known/openid-configuration", methods=["GET"], endpoint=self.discovery),
            Rule(f"{PREFIX}/.well-known/jwks.json", methods=["GET"], endpoint=self.jwks),
            Rule(f"{PREFIX}/oauth2/authorize", methods=["GET", "POST"], endpoint=self.authorize),
            Rule(f"{PREFIX}/login", methods=["GET", "POST"], endpoint=self.authorize),  # managed login's own path
            Rule(f"{PREFIX}/signup", methods=["GET", "POST"], endpoint=self.sign_up),
            Rule(f"{PREFIX}/oauth2/token", methods=["POST"], endpoint=self.token),
            Rule(f"{PREFIX}/oauth2/userInfo", methods=["GET"], endpoint=self.user_info),
            Rule(f"{PREFIX}/logout", methods=["GET"], endpoint=self.logout),
        ])

    def __call__(self, request: Request) -> Response:
        try:
            endpoint, arguments = self.routes.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return _oauth_error(405, "invalid_request", f"{request.method} is not allowed on {request.path}.")
        except NotFound:
            return _oauth_error(404, "invalid_request", f"No sign-in endpoint at {request.path}.")
        return endpoint(request, **arguments)

    # ------------------------------------------------------------------ discovery
    def discovery(self, request: Request) -> Response:
        return json_response(200, {
            # The issuer is the user pool's, as in AWS: it is what tokens carry and the authorizer checks.
            "issuer": self.authority.issuer,
            "authorization_endpoint": f"{self.base}/oauth2/authorize",
            "token_endpoint": f"{self.base}/oauth2/token",
            "userinfo_endpoint": f"{self.base}/oauth2/userInfo",
            "jwks_uri": f"{self.base}/.well-known/jwks.json",
            # Cognito publishes no end_session_endpoint; its /logout is reached by URL (config.json says where).
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(SCOPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        })

    def jwks(self, request: Request) -> Response:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.authority.public_key, as_dict=True)
        return json_response(200, {"keys": [{**key, "kid": self.authority.kid, "alg": "RS256", "use": "sig"}]})

    # ------------------------------------------------------------------ authorize
    def authorize(self, request: Request) -> Response:
        params = request.values if request.method == "POST" else request.args
        problem = self._check_client(params)
        if problem:
            # Cognito shows an error page rather than redirecting to an unchecked redirect_uri.
            return _page(400, "Sign-in cannot start", f"<p role=\"alert\">{html.escape(problem)}</p>")
        if params.get("response_type") != "code":
            return self._back(params, {"error": "unsupported_response_type"})
        if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
            return self._back(params, {"error": "invalid_request",
                                       "error_description": "code_challenge_method must be S256"})
        if request.method == "GET":
            return self._form(params, MultiDict(), {})

        fields = MultiDict(request.form)
        if "email" in fields and self.user_pool is not None:
            # An account of the user pool: the token says what the pool holds for it now.
            email = fields.get("email", "").strip()
            username = self.user_pool.username_for(email) if "@" in email else None
            if username is None:
                return self._form(params, fields, {"email": "No account has this e-mail: create one below, or "
                                                            "check the address."}, status=422)
            if self.user_pool.authenticators.enabled(username):
                # Managed login's second step for a user with an authenticator app.
                if "code" not in fields:
                    return self._code_form(params, email, None)
                if not self.user_pool.authenticators.check(username, fields.get("code", "")):
                    return self._code_form(params, email, WRONG_CODE, status=422)
            return self._grant_pool(params, username)
        demo = next((u for u in self.demo_users() if u.sub == fields.get("demo")), None)
        if demo is not None:
            fields = MultiDict({"sub": demo.sub, "groups": ",".join(demo.groups),
                                "member_id": demo.member_id or "", "affiliate": demo.affiliate or ""})
        try:
            claims = TokenRequest.model_validate({
                "sub": fields.get("sub", ""),
                "groups": [g.strip() for g in fields.get("groups", "").split(",") if g.strip()],
                "member_id": fields.get("member_id", "").strip() or None,
                "affiliate": fields.get("affiliate", "").strip() or None,
            })
        except ValidationError as error:
            errors = {str(e["loc"][0]): _sentence(str(e["loc"][0]), e) for e in error.errors()}
            return self._form(params, fields, errors, status=422)

        return self._grant(params, claims)

    def _grant(self, params: Any, claims: TokenRequest, **pool: Any) -> Response:
        """Back to the client with a code for these claims."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            now = time.time()
            self._codes = {c: g for c, g in self._codes.items() if g.expires > now}
            self._codes[code] = _Grant(claims=claims, client_id=params["client_id"],
                                       redirect_uri=params["redirect_uri"],
                                       challenge=params.get("code_challenge") or None,
                                       nonce=params.get("nonce") or None, scope=params.get("scope") or "openid",
                                       expires=now + CODE_LIFETIME_S, **pool)
        return self._back(params, {"code": code})

    def _grant_pool(self, params: Any, username: str) -> Response:
        """A pool user signed in: the claims after the pre token generation trigger."""
        try:
            held = self.user_pool.token_claims(username, params["client_id"], "TokenGeneration_HostedAuth")
            claims = _pool_claims(held)
        except (TriggerFailed, ValidationError) as error:
            # What managed login shows when the trigger fails: no tokens, the trigger's error.
            return _page(502, "Sign-in failed", f'<p role="alert">PreTokenGeneration failed with error '
                                                f"{html.escape(str(error))}.</p>")
        return self._grant(params, claims, username=username, id_claims=held["id_claims"],
                           suppress=tuple(held["suppress"]))

    def _code_form(self, params: Any, email: str, error: str | None, status: int = 200) -> Response:
        described = "code-hint" + (" code-error" if error else "")
        body = f"""
<p>Your account has an authenticator app. Open it and enter the 6-digit code it shows for this portal.</p>
{'<div role="alert" class="error"><p>Check the field marked below.</p></div>' if error else ''}
<form method="post">
  {self._hidden(params)}
  <input type="hidden" name="email" value="{html.escape(email)}">
  <p><label for="code">Code from your authenticator app</label><br>
  <span id="code-hint" class="hint">6 digits, for {html.escape(email)}.</span><br>
  {f'<span id="code-error" class="error">{html.escape(error)}</span><br>' if error else ''}
  <input id="code" name="code" inputmode="numeric" pattern="[0-9]{{6}}" maxlength="6" autocomplete="one-time-code"
   aria-describedby="{described}"{' aria-invalid="true"' if error else ''} required autofocus></p>
  <button type="submit">Sign in</button>
</form>"""
        return _page(status, "Enter your code", body)

    # ------------------------------------------------------------------ sign-up
    def sign_up(self, request: Request) -> Response:
        """The user pool's sign-up page: an e-mail (no password here), then the
        confirmation, the post-confirmation trigger, and back to the client signed in."""
        params = request.values if request.method == "POST" else request.args
        problem = self._check_client(params) or (None if self.user_pool else "The local user pool is not running.")
        if problem:
            return _page(400, "Sign-up cannot start", f"<p role=\"alert\">{html.escape(problem)}</p>")
        if request.method == "GET":
            return self._sign_up_form(params, "", None)
        email = request.form.get("email", "").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            return self._sign_up_form(params, email, "Enter an e-mail address, like name@example.org.", status=422)
        if self.user_pool.claims_for(email) is not None:
            return self._sign_up_form(params, email, "An account with this e-mail exists already: sign in with it.",
                                      status=422)
        return self._grant_pool(params, self.user_pool.sign_up(email)["username"])

    def _sign_up_form(self, params: Any, email: str, error: str | None, status: int = 200) -> Response:
        hidden = self._hidden(params)
        body = f"""
<p>This is the local stack's stand-in for the user pool's sign-up page. Use the e-mail address the institute
has on file for you: your account is then linked to your member record as soon as it is confirmed.</p>
{'<div role="alert" class="error"><p>Check the field marked below.</p></div>' if error else ''}
<form method="post">
  {hidden}
  {_field("email", "E-mail address", "The address the institute writes to you at.", email, error)}
  <button type="submit">Create account</button>
</form>
<p><a href="{html.escape(self.base)}/oauth2/authorize?{html.escape(self._query(params))}">I have an account</a></p>"""
        return _page(status, "Create your account", body)

    def _hidden(self, params: Any) -> str:
        return "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in OAUTH_PARAMETERS if params.get(name))

    def _query(self, params: Any) -> str:
        return urlencode({name: params[name] for name in OAUTH_PARAMETERS if params.get(name)})

    def _check_client(self, params: Any) -> str | None:
        if params.get("client_id") not in self.authority.audience:
            return "Unknown client_id: it is not this user pool's app client."
        if not self._allowed(params.get("redirect_uri", "")):
            return "redirect_uri is not one of the app client's callback URLs."
        return None

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        return parts.scheme in ("http", "https") and origin in {o.rstrip("/").lower() for o in self.allowed_origins()}

    def _back(self, params: Any, answer: dict[str, str]) -> Response:
        if params.get("state"):
            answer = {**answer, "state": params["state"]}
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return redirect(f"{params['redirect_uri']}{separator}{urlencode(answer)}", code=302)

    def _form(self, params: Any, fields: MultiDict, errors: dict[str, str], status: int = 200) -> Response:
        hidden = self._hidden(params)

        def field(name: str, label: str, hint: str, required: bool = False) -> str:
            error = errors.get(name)
            described = f"{name}-hint" + (f" {name}-error" if error else "")
            return (f'<p><label for="{name}">{label}</label><br><span id="{name}-hint" class="hint">{hint}</span><br>'
                    + (f'<span id="{name}-error" class="error">{html.escape(error)}</span><br>' if error else "")
                    + f'<input id="{name}" name="{name}" value="{html.escape(fields.get(name, ""))}" '
                    f'aria-describedby="{described}"' + (' aria-invalid="true"' if error else "")
                    + (" required" if required else "") + ' autocomplete="off"></p>')

        demos = "".join(
            f'<li><button type="submit" name="demo" value="{html.escape(u.sub)}">{html.escape(u.label)}</button></li>'
            for u in self.demo_users())
        summary = ("<div role=\"alert\" class=\"error\"><p>Check the fields marked below.</p></div>" if errors else "")
        # People with an account in the local user pool (signed up, invited or linked by staff).
        pool_form = (f'<form method="post" aria-labelledby="pool-title">{hidden}<h2 id="pool-title">Your account</h2>'
                     + _field("email", "E-mail address", "The e-mail you signed up with.", fields.get("email", ""),
                              errors.get("email"))
                     + '<button type="submit">Continue with this e-mail</button></form>'
                     f'<p><a href="{html.escape(self.base)}/signup?{html.escape(self._query(params))}">Create an '
                     'account</a></p>') if self.user_pool is not None else ""
        # The demo users have a form of their own, so Enter in a field below submits "Sign in", not a demo user.
        demo_form = (f'<form method="post" aria-labelledby="demo-title">{hidden}<h2 id="demo-title">Demo users</h2>'
                     f'<ul class="demos">{demos}</ul></form>') if demos else ""
        body = f"""
<p>This is the local stack's stand-in for the user pool's sign-in page: no password, say who you are.</p>
{summary}
{pool_form}
{demo_form}
<form method="post" aria-labelledby="any-title">
  {hidden}
  <h2 id="any-title">Any user</h2>
  {field("sub", "User id (sub)", "Any name for the signed-in user.", required=True)}
  {field("groups", "Groups", "Comma-separated: member, affiliate, naaei.")}
  {field("member_id", "Member id", "custom:member_id, for a member, e.g. M-1001.")}
  {field("affiliate", "Affiliate", "custom:affiliate, for affiliate staff, e.g. AASC.")}
  <button type="submit">Sign in</button>
</form>"""
        return _page(status, "Sign in", body)

    # ------------------------------------------------------------------ token
    def token(self, request: Request) -> Response:
        form = request.form
        client_id = form.get("client_id") or (request.authorization.username if request.authorization else None)
        if client_id not in self.authority.audience:
            return _oauth_error(400, "invalid_client", "Unknown client_id.")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._codes.pop(form.get("code", ""), None)  # single use, like Cognito's
            if grant is None or grant.expires < time.time() or grant.client_id != client_id:
                return _oauth_error(400, "invalid_grant", "The code is unknown, used or expired.")
            if form.get("redirect_uri") != grant.redirect_uri:
                return _oauth_error(400, "invalid_grant", "redirect_uri differs from the authorize request's.")
            if grant.challenge and _s256(form.get("code_verifier", "")) != grant.challenge:
                return _oauth_error(400, "invalid_grant", "The PKCE code_verifier does not match the challenge.")
            tokens = self._tokens(grant.claims, client_id, grant.scope, nonce=grant.nonce, username=grant.username,
                                  id_claims=grant.id_claims, suppress=grant.suppress)
            tokens["refresh_token"] = self.authority.sign({
                "token_use": "refresh", "sub": grant.claims.sub, "client_id": client_id, "scope": grant.scope,
                "grant": grant.claims.model_dump(mode="json"), "username": grant.username}, REFRESH_LIFETIME_S)
            return json_response(200, tokens, {"Cache-Control": "no-store"})
        if grant_type == "refresh_token":
            claims = self.authority.decode(form.get("refresh_token", ""), token_use="refresh")
            if claims is None or claims.get("client_id") != client_id:
                return _oauth_error(400, "invalid_grant", "The refresh token is not valid.")
            # Cognito answers a refresh with new ID and access tokens, and no new refresh token.
            if claims.get("username") and self.user_pool is not None:
                # A pool user's: what the pool holds now, through the trigger again.
                try:
                    held = self.user_pool.token_claims(claims["username"], client_id, "TokenGeneration_RefreshTokens")
                    who = _pool_claims(held)
                except (TriggerFailed, ValidationError) as error:
                    return _oauth_error(400, "invalid_grant", f"PreTokenGeneration failed with error {error}.")
                except self.user_pool.client.exceptions.UserNotFoundException:
                    return _oauth_error(400, "invalid_grant", "The refresh token's user no longer exists.")
                tokens = self._tokens(who, client_id, claims.get("scope", ""), username=claims["username"],
                                      id_claims=held["id_claims"], suppress=tuple(held["suppress"]))
            else:
                tokens = self._tokens(TokenRequest.model_validate(claims["grant"]), client_id,
                                      claims.get("scope", ""))
            return json_response(200, tokens, {"Cache-Control": "no-store"})
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")

    def _tokens(self, who: TokenRequest, client_id: str, scope: str, nonce: str | None = None,
                username: str | None = None, id_claims: dict[str, Any] | None = None,
                suppress: Sequence[str] = ()) -> dict[str, Any]:
        extra: dict[str, Any] = {"nonce": nonce} if nonce else {}
        if who.email:
            extra["email"] = who.email
        if username:
            extra["cognito:username"] = username
        id_token = self.authority.mint(who.sub, who.groups, who.member_id, who.affiliate, audience=client_id,
                                       extra=extra, overrides=id_claims, suppress=suppress)
        # Cognito's access token names the client in client_id (no aud) and carries no custom attributes;
        # its groups are the trigger's too (a version 1 trigger changes no other claim of it).
        access_token = self.authority.sign({"token_use": "access", "sub": who.sub, "client_id": client_id,
                                            "scope": scope, "cognito:groups": list(who.groups),
                                            "username": username or who.sub}, TOKEN_LIFETIME_S)
        return {"id_token": id_token, "access_token": access_token, "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S}

    def user_info(self, request: Request) -> Response:
        claims = self.authority.verify(request.headers.get("Authorization"))
        if claims is None:
            return _oauth_error(401, "invalid_token", "A valid access token is needed.")
        return json_response(200, {k: v for k, v in claims.items() if k in ("sub", "username", "email")})

    # ------------------------------------------------------------------ logout
    def logout(self, request: Request) -> Response:
        if request.args.get("client_id") not in self.authority.audience:
            return _page(400, "Sign-out failed", '<p role="alert">Unknown client_id.</p>')
        target = request.args.get("logout_uri", "")
        if not self._allowed(target):
            return _page(400, "Sign-out failed", '<p role="alert">logout_uri is not one of the app client\'s '
                                                  'sign-out URLs.</p>')
        return redirect(target, code=302)


OAUTH_PARAMETERS = ("response_type", "client_id", "redirect_uri", "state", "scope", "nonce", "code_challenge",
                    "code_challenge_method")


def _pool_claims(claims: dict[str, Any]) -> TokenRequest:
    """What the pool holds for a user, as the claims a token carries."""
    return TokenRequest.model_validate({"sub": claims["sub"], "groups": claims["groups"],
                                        "member_id": claims.get("member_id"), "affiliate": claims.get("affiliate"),
                                        "email": claims.get("email")})


def _field(name: str, label: str, hint: str, value: str, error: str | None) -> str:
    described = f"{name}-hint" + (f" {name}-error" if error else "")
    return (f'<p><label for="{name}">{label}</label><br><span id="{name}-hint" class="hint">{hint}</span><br>'
            + (f'<span id="{name}-error" class="error">{html.escape(error)}</span><br>' if error else "")
            + f'<input id="{name}" name="{name}" type="email" value="{html.escape(value)}" '
            f'aria-describedby="{described}"' + (' aria-invalid="true"' if error else "")
            + ' required autocomplete="email"></p>')


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _sentence(name: str, error: dict[str, Any]) -> str:
    if name == "sub":
        return "Enter a user id."
    if name == "groups":
        return "Groups are member, affiliate or naaei, separated by commas."
    if name in ("member_id", "affiliate"):
        return "Use letters, digits and dashes only (at most 64)."
    return str(error.get("msg", "Not valid."))


def _oauth_error(status: int, code: str, description: str) -> Response:
    return json_response(status, {"error": code, "error_description": description})


def _page(status: int, title: str, body: str) -> Response:
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Local sign-in</title>
<style>
 body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }}
 input {{ font: inherit; padding: .4rem; width: 100%; box-sizing: border-box; }}
 button {{ font: inherit; padding: .5rem 1rem; margin: .25rem 0; cursor: pointer; }}
 h2 {{ font-size: 1.2rem; margin-top: 1.5rem; }} .hint {{ color: #555; font-size: .9rem; }}
 .error {{ color: #b50909; font-weight: 600; }} .demos {{ list-style: none; padding: 0; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    return Response(page, status=status, content_type="text/html; charset=utf-8")
