"""Builds API Gateway HTTP API (payload 2.0) events the way API Gateway does,
and loads each function's handler the way Lambda does.

Used by the local stack, the integration tests and the benchmarks, so all three
drive the real handlers with the same events. tests/integration checks these
events against the samples in events/ (from `sam local generate-event`).
"""

from __future__ import annotations

import base64
import importlib.util
import re
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from local import template

_LOADING = threading.RLock()  # load_handler: one import at a time
TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


def flatten_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """HTTP API hands every claim to the function as a string; lists become "[a b]"."""
    flat: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, (list, tuple)):
            flat[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        else:
            flat[name] = str(value)
    return flat


def http_event(
    *,
    method: str,
    path: str,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    claims: Mapping[str, Any] | None = None,
    scopes: list[str] | None = None,
    source_ip: str = "127.0.0.1",
    stage: str = "$default",
) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    params: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        from urllib.parse import unquote_plus

        key, value = unquote_plus(key), unquote_plus(value)
        # API Gateway joins repeated query parameters with commas.
        params[key] = f"{params[key]},{value}" if key in params else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": flatten_claims(claims), "scopes": scopes}
        }
    if body is not None and body != b"" and body != "":
        raw = body.encode() if isinstance(body, str) else body
        content_type = lowered.get("content-type", "application/json")
        if content_type.startswith(TEXT_TYPES):
            try:
                event["body"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    return event


@dataclass
class RouteMatch:
    function: str
    route_key: str
    path_parameters: dict[str, str]
    public: bool


class Router:
    """Matches a request to a template route the way HTTP API does: the most
    specific route wins (literal segments before {params}, {proxy+} last)."""

    def __init__(self, functions: Mapping[str, template.Function]):
        self._routes: list[tuple[tuple[int, int], re.Pattern[str], str, str, str, bool]] = []
        for function in functions.values():
            for route in function.http_routes:
                pattern, specificity = _compile(route["path"])
                self._routes.append(
                    (specificity, pattern, route["method"], route["path"], function.logical_id, route["public"])
                )
        self._routes.sort(key=lambda r: r[0], reverse=True)

    def match(self, method: str, path: str) -> RouteMatch | None:
        for _, pattern, route_method, route_path, function, public in self._routes:
            if route_method not in (method.upper(), "ANY"):
                continue
            found = pattern.fullmatch(path)
            if found:
                return RouteMatch(function, f"{route_method} {route_path}", found.groupdict(), public)
        return None

    def path_exists(self, path: str) -> bool:
        return any(pattern.fullmatch(path) for _, pattern, *_ in self._routes)

    def methods_for(self, path: str) -> list[str]:
        """The methods routed on a path (the Allow header of a 405)."""
        return sorted({method for _, pattern, method, *_ in self._routes if pattern.fullmatch(path)})


def _compile(path: str) -> tuple[re.Pattern[str], tuple[int, int]]:
    parts, literals = [], 0
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literals += 1
    regex = "/" + "/".join(parts) if path.strip("/") else "/"
    return re.compile(regex), (literals, -path.count("+}"))


class LambdaContext:
    """What Lambda passes as `context` (Powertools reads these attributes)."""

    def __init__(self, function_name: str, timeout_s: int = 10, memory_mb: int = 512):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(function: template.Function, module_name: str | None = None) -> Callable[[dict[str, Any], Any], Any]:
    """Imports functions/<name>/app.py under its own module name (every function's
    module is app.py; a shared name would make them overwrite each other). Another
    `module_name` loads another copy of it: another Lambda environment
    (local/environments.py)."""
    if str(template.LAYER_PATH) not in sys.path:
        sys.path.insert(0, str(template.LAYER_PATH))
    module_file, _, attribute = function.handler.rpartition(".")
    module_name = module_name or f"lambda_{function.logical_id}"
    # One import at a time: the module is in sys.modules before it has run, so a
    # second request arriving meanwhile would find it without its handler.
    with _LOADING:
        if module_name not in sys.modules:
            spec = importlib.util.spec_from_file_location(module_name, function.code_uri / f"{module_file}.py")
            assert spec and spec.loader, function.code_uri
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[module_name]  # a failed import is tried again, as Lambda would on the next call
                raise
    return getattr(sys.modules[module_name], attribute)
