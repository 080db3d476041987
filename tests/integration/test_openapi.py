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
