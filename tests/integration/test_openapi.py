"""The committed OpenAPI document is the one the code generates."""

import json
from pathlib import Path

from scripts import openapi

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_code():
    generated = openapi.render()
    for committed in (ROOT / "docs" / "openapi.json", ROOT / "functions" / "public_api" / "openapi.json"):
        assert committed.read_text(encoding="utf-8") == generated, f"{committed} drifted: run `make openapi`"


def test_every_routed_path_of_the_template_is_documented():
    from local import template

    documented = json.loads(openapi.render())["paths"]
    for function in template.functions().values():
        for route in function.http_routes:
            if route["path"] == "/swagger":
                continue
            assert route["method"].lower() in documented.get(route["path"], {}), route


def test_every_route_documents_its_errors_in_the_error_shape_and_public_routes_as_public():
    from local import template

    spec = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    public = {(r["method"].lower(), r["path"]) for f in template.functions().values() for r in f.http_routes
              if r["public"]}
    assert {path for _, path in public} >= {"/health", "/verify/{certificate_number}", "/webhooks/stripe"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            if (method, path) in public:
                assert operation["security"] == [], (method, path)
            else:
                assert "security" not in operation and {"401", "403"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    assert "ErrorBody" in json.dumps(response), (method, path, code)
    assert spec["security"] == [{"CognitoJwt": []}]
    assert "HTTPValidationError" not in json.dumps(spec)
