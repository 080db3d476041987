"""Prints the unified OpenAPI document of every API function (`make openapi`).

Powertools' OpenAPIMerge loads each functions/*/app.py resolver and merges
their schemas, so the document is generated from the route code itself.
"""

from __future__ import annotations

import json
import warnings
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))

TITLE = "Credential renewal API"
VERSION = "1.0.0"


def merge():
    # A handler that fails to load would silently drop its routes: make that an error.
    warnings.simplefilter("error", UserWarning)
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import Server

    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="The HTTP contract of the annual credential renewal backend. The rules behind it: docs/domain.md.",
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


def render() -> str:
    # get_openapi_json_schema() serializes the merged models (enums included).
    return json.dumps(json.loads(merge().get_openapi_json_schema()), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render()
    # The public function serves the same document at /swagger.
    (ROOT / "functions" / "public_api" / "openapi.json").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
