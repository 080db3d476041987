"""Prints the unified OpenAPI document of every API function (`make openapi`).

Powertools' OpenAPIMerge loads each functions/*/app.py resolver and merges
their schemas, so the document is generated from the route code itself.
"""

from __future__ import annotations

import json
import os
import warnings
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))
sys.path.insert(0, str(ROOT))

TITLE = "Credential renewal API"
VERSION = "1.0.0"


def merge():
    # A handler that fails to load would silently drop its routes: make that an error.
    warnings.simplefilter("error", UserWarning)
    # The handlers check their settings when loaded; the document needs none of them.
    from renewal import config

    for name in config.REQUIRED:
        os.environ.setdefault(name, "unused-by-the-openapi-document")
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import Server

    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="The HTTP contract of the annual credential renewal backend. The rules behind it: "
                    "docs/domain.md. Every error is `{\"error\": {\"code\", \"message\", \"details\"}}`, "
                    "except the 401 and 413 API Gateway answers itself (`{\"message\": ...}`).",
        servers=[Server(url="/")],
        security_schemes={"CognitoJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        security=[{"CognitoJwt": []}],
        on_conflict="error",
    )
    # Each function builds its resolver with renewal.api.create_app(), which the
    # AST-based discover() does not recognise, so the files are added by name.
    for handler in sorted((ROOT / "functions").glob("*/app.py")):
        if "app = create_app()" in handler.read_text(encoding="utf-8"):  # queue-only functions have no routes
            merge.add_file(handler, resolver_name="app")
    return merge


GATEWAY_MESSAGE = {
    "title": "GatewayMessage",
    "description": "API Gateway's own answer, before any function runs (no token, a body over 10 MB).",
    "type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"],
}
ERROR = {"$ref": "#/components/schemas/ErrorBody"}
EITHER = {"oneOf": [{"$ref": "#/components/schemas/GatewayMessage"}, ERROR]}


def _response(status: int, schema: dict) -> dict:
    from renewal.api import ERROR_MEANINGS

    return {"description": ERROR_MEANINGS[status], "content": {"application/json": {"schema": schema}}}


def document_errors(spec: dict) -> dict:
    """The errors every route answers by its kind, and public routes as public.

    What a route answers for its own reasons (a 409 when already decided, say)
    its decorator declares (renewal.api.errors); what every route of a kind
    answers is added here, from the route table in template.yaml: a protected
    route 401 (the authorizer) and 403 (the group gate), a route with a body 400
    (not JSON) and 413 (over 10 MB), a route with an id in its path 404, and
    validation errors (422) in this API's error shape.
    """
    from local import template
    from renewal.api import ErrorBody

    public = {(route["method"].lower(), route["path"]) for function in template.functions().values()
              for route in function.http_routes if route["public"]}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs").items():
        schemas[name] = schema
    schemas["ErrorBody"] = {k: v for k, v in ErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}").items() if k != "$defs"}
    schemas["GatewayMessage"] = GATEWAY_MESSAGE
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if (method, path) in public:
                operation["security"] = []
            else:
                responses.setdefault("401", _response(401, EITHER))
                responses.setdefault("403", _response(403, ERROR))
            if "requestBody" in operation:
                responses.setdefault("400", _response(400, ERROR))
                responses.setdefault("413", _response(413, EITHER))
            if "{" in path:
                responses.setdefault("404", _response(404, ERROR))
            for status, response in responses.items():  # an error a decorator named without its body
                if int(status) >= 400 and not response.get("content", {}).get("application/json"):
                    response["content"] = {"application/json": {"schema": EITHER if status in ("401", "413")
                                                                 else ERROR}}
            if "422" in responses:
                if operation.get("parameters") or "requestBody" in operation:
                    responses["422"] = _response(422, ERROR)
                else:
                    del responses["422"]  # nothing to validate
    for unused in ("HTTPValidationError", "ValidationError"):  # Powertools' 422 body, replaced by ours
        others = {name: schema for name, schema in schemas.items() if name != unused}
        if f"/{unused}\"" not in json.dumps([spec["paths"], others]):
            schemas.pop(unused, None)
    return spec


def render() -> str:
    # get_openapi_json_schema() serializes the merged models (enums included).
    spec = document_errors(json.loads(merge().get_openapi_json_schema()))
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render()
    # The public function serves the same document at /swagger.
    (ROOT / "functions" / "public_api" / "openapi.json").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
