"""Shared test setup: the layer on sys.path and fake AWS credentials, before any
module that creates a boto3 client is imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))
sys.path.insert(0, str(ROOT))

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CredentialRenewal")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "credential-renewal")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("PAGE_TOKEN_KEY", "test-page-token-key")

# The local stack and the benchmarks run moto with transactions that back up the
# items they touch rather than whole tables, and queries that read their partition
# rather than the whole table; the tests run the same moto.
from local import moto_queries, moto_transactions  # noqa: E402

moto_transactions.install()
moto_queries.install()


def pytest_configure(config) -> None:
    # Most invocations publish no business metric (a GET, a duplicate message);
    # Powertools warns at each. renewal.telemetry silences it in the functions,
    # but pytest resets warning filters around every test, so it is said here too.
    config.addinivalue_line("filterwarnings", f"ignore:{NO_METRICS_WARNING}:UserWarning")


NO_METRICS_WARNING = "No application metrics to publish"
