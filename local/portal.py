"""The web portal beside the API, as CloudFront serves it in AWS: the built
static files of portal/dist, `/config.json` (in AWS written at deploy; here
made from the stack's own addresses), the same security headers, and the
portal's index page for every page path a browser opens.

Page paths never collide with API routes, with one deliberate exception: the
public verify page is `/verify/{number}`, the address printed on certificates.
In AWS the portal and the API have origins of their own; here they share one,
so a browser's navigation to it gets the page (which asks the API) and any
other client gets the API's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from local.responses import json_response

DIST = Path(__file__).resolve().parent.parent / "portal" / "dist"
CONFIG_PATH = "/config.json"
INDEX = "index.html"
VERIFY_PREFIX = "/verify/"


def security_headers(connect_to: list[str]) -> dict[str, str]:
    """What the CloudFront response-headers policy in template.yaml adds: a CSP
    that allows only what the portal loads, HSTS, no framing."""
    csp = "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {' '.join(connect_to)}".rstrip(),
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ])
    return {
        "Content-Security-Policy": csp,
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def is_navigation(request: Request) -> bool:
    """A browser opening a page (a link, the address bar), not a script's fetch."""
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode:
        return mode == "navigate"
    # Without Fetch Metadata (older clients): only an explicit ask for HTML; curl's */* gets the API.
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


class Portal:
    def __init__(self, config: Callable[[], Mapping[str, Any]], connect_to: Callable[[], list[str]],
                 dist: Path = DIST):
        self.config, self.connect_to, self.dist = config, connect_to, dist

    def answer(self, request: Request, is_api_path: Callable[[str], bool]) -> Response | None:
        """The portal's answer to a request, or None when it is the API's."""
        if request.method not in ("GET", "HEAD"):
            return None
        path = request.path
        if path == CONFIG_PATH:
            response = json_response(200, dict(self.config()), {"Cache-Control": "no-cache"})
        elif path.startswith(VERIFY_PREFIX):
            if not is_navigation(request):
                return None
            response = self._index(request)
        elif is_api_path(path):
            return None
        else:
            response = self._file(request, path) or (self._index(request) if is_navigation(request) else None)
            if response is None:
                return None
        response.headers.update(security_headers(self.connect_to()))
        return response

    def _file(self, request: Request, path: str) -> Response | None:
        name = path.lstrip("/")
        if not name or name.endswith("/") or not (self.dist / name).is_file():
            return None
        try:
            response = send_from_directory(self.dist, name, request.environ)
        except NotFound:
            return None
        # Hashed asset names change with their content; the index is checked every time.
        immutable = name.startswith("assets/")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response

    def _index(self, request: Request) -> Response:
        if not (self.dist / INDEX).is_file():
            page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Portal not built</title>"
                    "</head><body><main><h1>The portal is not built</h1><p>Run <code>make run</code> (it builds "
                    "portal/ with npm) and reload.</p></main></body></html>")
            return Response(page, status=503, content_type="text/html; charset=utf-8")
        response = send_from_directory(self.dist, INDEX, request.environ)
        response.headers["Cache-Control"] = "no-cache"
        return response
