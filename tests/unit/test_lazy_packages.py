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


def test_a_package_without_its_source_or_not_readable_is_imported_as_it_is(tmp_path: Path) -> None:
    assert lazy_packages.exports(str(tmp_path / "missing.py"), "pkg") is None
    loaded = json.loads(_fresh("""
import json, py_compile, sys
from pathlib import Path
root = Path(sys.argv[2])
package = root / "sourceless"
package.mkdir()
(package / "names.py").write_text("NAME = 'from names'\\n")
(package / "__init__.py").write_text("from sourceless.names import NAME\\n")
py_compile.compile(str(package / "__init__.py"), cfile=str(package / "__init__.pyc"))
(package / "__init__.py").unlink()  # shipped as bytecode only
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, str(root))
from renewal import lazy_packages
lazy_packages._load_lazily("sourceless")
lazy = "sourceless" in sys.modules
import sourceless
print(json.dumps({"lazy": lazy, "name": sourceless.NAME}))
""", str(tmp_path)))
    assert loaded == {"lazy": False, "name": "from names"}


def test_asyncio_is_not_run_by_the_libraries_that_only_import_it() -> None:
    # The batch processor and stripe import asyncio at the top for their async paths;
    # the functions run neither, so the module stays unrun (about 20 ms of a cold start).
    loaded = json.loads(_fresh("""
import json, sys
sys.path.insert(0, sys.argv[1])
from renewal import lazy_packages
lazy_packages.install()
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
import stripe
processor = BatchProcessor(event_type=EventType.SQS)
seen = []
event = {"Records": [{"messageId": "m1", "receiptHandle": "r", "body": "{}", "attributes": {}, "messageAttributes": {},
                      "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                      "awsRegion": "us-east-1"}]}
answer = process_partial_response(event=event, record_handler=lambda record: seen.append(record.message_id), processor=processor)
print(json.dumps({"answer": answer, "seen": seen, "asyncio_ran": "asyncio.base_events" in sys.modules}))
"""))
    assert loaded == {"answer": {"batchItemFailures": []}, "seen": ["m1"], "asyncio_ran": False}


def test_deferred_asyncio_is_the_whole_module_at_its_first_use() -> None:
    used = json.loads(_fresh("""
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from renewal import lazy_packages
lazy_packages.install()
import asyncio
unrun = "asyncio.base_events" not in sys.modules
import asyncio.events  # a submodule before the package has run
from asyncio import sleep
async def answer():
    await sleep(0)
    return 42
results = []
threads = [threading.Thread(target=lambda: results.append(asyncio.run(answer()))) for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"unrun": unrun, "results": results, "same": sys.modules["asyncio"] is asyncio,
                  "all": sorted(asyncio.__all__) == sorted(set(asyncio.__all__)) and "run" in asyncio.__all__}))
"""))
    assert used == {"unrun": True, "results": [42, 42, 42, 42], "same": True, "all": True}


def test_a_deferred_module_that_fails_to_run_fails_as_an_import_does_and_is_retried(tmp_path: Path) -> None:
    (tmp_path / "flaky.py").write_text(
        "import os\nif not os.path.exists(os.environ['READY']):\n    raise RuntimeError('not ready')\nVALUE = 7\n")
    outcome = json.loads(_fresh("""
import json, os, sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
os.environ["READY"] = os.path.join(sys.argv[2], "ready")
from renewal import lazy_packages
lazy_packages.defer("flaky")
import flaky
try:
    flaky.VALUE
    first = "ran"
except RuntimeError as error:
    first = str(error)
open(os.environ["READY"], "w").close()
import flaky as again
print(json.dumps({"first": first, "then": again.VALUE}))
""", str(tmp_path)))
    assert outcome == {"first": "not ready", "then": 7}
