"""API Gateway (HTTP API) in front of the template's functions: route matching,
the JWT authorizer, the payload 2.0 event in and the Lambda response out.

A WSGI application: werkzeug serves it (local.server) and tests can drive it
with werkzeug's test client.
"""

from __future__ import annotations

import base64
import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from local import apigw
from local.auth import Authority
from local.cors import Cors
from local.invoke import Invoker
from local.portal import Portal
from local.responses import error_response, json_response, unauthorized

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
# Where the stack takes form bodies, not JSON: Stripe's API (form-encoded, as the
# SDK sends it) and plain HTML pages whose forms post back to the stack.
FORM_PAGES = ("/_local/stripe/api/", "/_local/stripe/checkout/", "/_local/cognito/")
# Cognito's user API speaks AWS's JSON protocol, under its own media type.
AWS_JSON = ("/_local/cognito-idp", "application/x-amz-json-1.1")


def _host(netloc: str) -> str:
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1].lower()
    return netloc.rsplit(":", 1)[0].lower() if netloc.count(":") == 1 else netloc.lower()


def local_helper_refusal(request: Request) -> Response | None:
    """The /_local/* helpers mint tokens (staff included) and move the clock:
    only for this machine. A web page could otherwise reach them from the
    developer's browser, by a cross-origin form post or by DNS rebinding."""
    if _host(request.host) not in LOOPBACK:
        return error_response(403, "local_only", "The local helpers answer requests to a loopback address only.")
    origin = request.headers.get("Origin")
    if origin is not None and _host(origin.partition("://")[2]) not in LOOPBACK:
        return error_response(403, "local_only", "The local helpers answer no web page from another origin.")
    if request.content_length or request.headers.get("Transfer-Encoding"):
        aws_json = request.path.startswith(AWS_JSON[0]) and request.mimetype == AWS_JSON[1]
        if not request.path.startswith(FORM_PAGES) and request.mimetype != "application/json" and not aws_json:
            return error_response(415, "unsupported_media_type",
                                  "The local helpers take JSON bodies (Content-Type: application/json).")
    return None


class Gateway:
    def __init__(self, invoker: Invoker, authority: Authority,
                 helpers: Callable[[Request], Response] | None = None, on_change: Callable[[], None] = lambda: None,
                 cors: Cors | None = None, portal: Portal | None = None):
        self.invoker = invoker
        self.portal = portal
        self.cors = cors or Cors(None)
        self.router = apigw.Router(invoker.functions)
        self.authority = authority
        self.helpers = helpers
        self.on_change = on_change

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.cors.preflight(request) or self.cors.decorate(request, self.handle(request))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = _internal_error()
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            # API Gateway refuses it before any route, with its own body.
            return json_response(413, {"message": "Request Entity Too Large"})
        request.max_content_length = MAX_BODY_BYTES
        if self.helpers is not None and (request.path == "/_local" or request.path.startswith("/_local/")):
            return local_helper_refusal(request) or self.helpers(request)
        page = self.portal.answer(request, self.router.path_exists) if self.portal is not None else None
        if page is not None:
            return page
        match = self.router.match(request.method, request.path)
        if match is None:
            if self.router.path_exists(request.path):
                refused = error_response(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
                refused.headers["Allow"] = ", ".join(self.router.methods_for(request.path))
                return refused
            return error_response(404, "not_found", f"No route for {request.method} {request.path}.")
        claims = None
        if not match.public:
            claims = self.authority.verify(request.headers.get("Authorization"))
            if claims is None:
                return unauthorized()
        try:
            body = request.get_data(cache=False)  # the raw bytes: the Stripe webhook verifies them
        except RequestEntityTooLarge:  # a chunked body with no length, read past the limit
            return json_response(413, {"message": "Request Entity Too Large"})
        headers = {name: ",".join(request.headers.getlist(name)) for name in request.headers.keys()}
        event = apigw.http_event(
            method=request.method,
            path=request.path,
            route_key=match.route_key,
            path_parameters=match.path_parameters,
            query=request.query_string.decode("latin-1"),
            headers=headers,
            body=body,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        try:
            result = self.invoker.invoke(match.function, event)
        except Exception:
            print(f"local: {match.function} raised on {match.route_key}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            return _internal_error()
        finally:
            if request.method not in READ_ONLY:
                self.on_change()
        return lambda_response(result)

    def call(self, method: str, path: str, *, body: Any = None, claims: Mapping[str, Any] | None = None) -> Any:
        """A request through the same routing and event building, in-process and
        with already verified claims (the seed uses it). Returns (status, JSON body)."""
        match = self.router.match(method, path)
        if match is None:
            raise LookupError(f"no route for {method} {path}")
        event = apigw.http_event(
            method=method, path=path, route_key=match.route_key, path_parameters=match.path_parameters,
            headers={"content-type": "application/json", "host": "127.0.0.1"},
            body=None if body is None else json.dumps(body), claims=claims,
        )
        result = self.invoker.invoke(match.function, event)
        response = lambda_response(result)
        return response.status_code, json.loads(response.get_data() or b"null")


def lambda_response(result: Any) -> Response:
    """A Lambda result as API Gateway turns it into HTTP (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Without a statusCode, HTTP API takes the whole return value as a 200 JSON body.
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(body, status=200, content_type="application/json")
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers.add(name, str(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            if (name, str(value)) not in headers.items():
                headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        headers.add("Set-Cookie", cookie)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    response = Response(raw, status=int(result["statusCode"]), headers=headers)
    if "content-type" not in {name.lower() for name in headers.keys()}:
        response.headers.remove("Content-Type")  # werkzeug's text/plain default: API Gateway adds none
    return response


def _internal_error() -> Response:
    return error_response(500, "internal_error", "Something went wrong on our side.")
