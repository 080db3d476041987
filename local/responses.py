"""JSON responses in the contract's shapes, for what the stack itself answers
(routing errors, the authorizer's 401, /_local/* helpers)."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def error_response(status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    return json_response(status, {"error": {"code": code, "message": message, "details": details or []}})


def unauthorized() -> Response:
    # API Gateway's JWT authorizer answers with its own body, not the contract's.
    return json_response(401, {"message": "Unauthorized"})
