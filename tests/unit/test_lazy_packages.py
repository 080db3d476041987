"""renewal/lazy_packages.py: Powertools' event-handler and event-class packages
loaded so that a function imports only the resolver and event classes it uses,
every name they export still the very object the package's own `__init__` gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from renewal import lazy_packages

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"

# Each name of each package's __all__, as "module.qualname" of the object it gives.
_EXPORTS = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "lazy":
    from renewal import lazy_packages
    lazy_packages.install()
found = {}
for name in ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes"):
    package = importlib.import_module(name)
    for attribute in package.__all__:
        value = getattr(package, attribute)
        found[f"{name}.{attribute}"] = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
print(json.dumps(found))
"""


def _fresh(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, str(LAYER), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_every_exported_name_is_the_one_the_package_itself_gives() -> None:
    eager, lazy = (json.loads(_fresh(_EXPORTS, mode)) for mode in ("eager", "lazy"))
    assert len(eager) > 50  # both packages' whole __all__
    assert lazy == eager


def test_a_function_loads_only_the_resolver_and_event_classes_it_uses() -> None:
    loaded = json.loads(_fresh("""
import json, sys
sys.path.insert(0, sys.argv[1])
from renewal import lazy_packages
lazy_packages.install()
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.batch import BatchProcessor
import aws_lambda_powertools.event_handler as handlers
app = APIGatewayHttpResolver()
@app.get("/ping")
def ping():
    return Response(200, content_types.APPLICATION_JSON, '{"ok": true}')
event = {"version": "2.0", "routeKey": "GET /ping", "rawPath": "/ping", "rawQueryString": "", "headers": {},
         "requestContext": {"http": {"method": "GET", "path": "/ping"}, "stage": "$default"}, "isBase64Encoded": False}
answer = app.resolve(event, None)
print(json.dumps({"status": answer["statusCode"], "body": answer["body"], "modules": sorted(sys.modules),
                  "submodule": handlers.middlewares.__name__}))
"""))
    assert (loaded["status"], json.loads(loaded["body"])) == (200, {"ok": True})
    # A submodule is reachable as an attribute, as it is once the package has run.
    assert loaded["submodule"] == "aws_lambda_powertools.event_handler.middlewares"
    modules = set(loaded["modules"])
    assert "aws_lambda_powertools.event_handler.api_gateway" in modules
    assert "aws_lambda_powertools.utilities.data_classes.sqs_event" in modules  # what the batch processor uses
    never_used = {"aws_lambda_powertools.event_handler.appsync", "aws_lambda_powertools.event_handler.bedrock_agent",
                  "aws_lambda_powertools.event_handler.vpc_lattice",
                  "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
                  "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event"}
    assert never_used.isdisjoint(modules), never_used & modules


def test_a_package_whose_init_does_more_than_import_names_is_left_as_it_is(tmp_path: Path) -> None:
    only_imports = tmp_path / "plain.py"
    only_imports.write_text('"""Docs."""\nfrom .a import A as B, C\nfrom pkg.d import D\n__all__ = ["B", "C", "D"]\n')
    assert lazy_packages.exports(str(only_imports), "pkg") == (
        {"B": ("pkg.a", "A"), "C": ("pkg.a", "C"), "D": ("pkg.d", "D")}, ["B", "C", "D"])
    with_code = tmp_path / "busy.py"
    with_code.write_text("from .a import A\nA.configure()\n")
    assert lazy_packages.exports(str(with_code), "pkg") is None
    star = tmp_path / "star.py"
    star.write_text("from .a import *\n")
    assert lazy_packages.exports(str(star), "pkg") is None


def test_every_function_installs_it_before_powertools_is_imported() -> None:
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        text = app.read_text()
        first_powertools = text.index("from aws_lambda_powertools")
        assert 0 < text.find("lazy_packages.install()") < first_powertools, app
