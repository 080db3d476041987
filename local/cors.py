"""The HTTP API's CORS configuration (template.yaml), applied the way API
Gateway does: it answers preflight OPTIONS requests itself, before routes and
the authorizer, and adds the CORS headers to responses for allowed origins.

So a portal under development can call the local stack from its own origin
(set PORTAL_ORIGINS=http://localhost:5173, the PortalOrigins parameter).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response


class Cors:
    def __init__(self, config: dict[str, Any] | None):
        config = config or {}
        self.origins = [str(o).rstrip("/").lower() for o in _list(config.get("AllowOrigins"))]
        self.methods = [str(m).upper() for m in _list(config.get("AllowMethods"))]
        self.headers = [str(h).lower() for h in _list(config.get("AllowHeaders"))]
        self.expose = [str(h).lower() for h in _list(config.get("ExposeHeaders"))]
        self.credentials = bool(config.get("AllowCredentials"))
        self.max_age = config.get("MaxAge")

    def _allowed(self, origin: str | None) -> str | None:
        if not origin:
            return None
        if "*" in self.origins:
            return origin if self.credentials else "*"
        return origin if origin.rstrip("/").lower() in self.origins else None

    def preflight(self, request: Request) -> Response | None:
        """API Gateway's own answer to a preflight, or None when the request is not one."""
        if not self.origins or request.method != "OPTIONS" or not request.headers.get("Access-Control-Request-Method"):
            return None
        response = Response(status=204)
        origin = self._allowed(request.headers.get("Origin"))
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ",".join(self.methods or ["*"])
            if self.headers:
                response.headers["Access-Control-Allow-Headers"] = ",".join(self.headers)
            if self.max_age is not None:
                response.headers["Access-Control-Max-Age"] = str(self.max_age)
            if self.credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers.remove("Content-Type")
        return response

    def decorate(self, request: Request, response: Response) -> Response:
        origin = self._allowed(request.headers.get("Origin"))
        if origin and self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            if self.expose:
                response.headers["Access-Control-Expose-Headers"] = ",".join(self.expose)
            if self.credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
            if origin != "*":
                response.vary.add("Origin")
        return response


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
