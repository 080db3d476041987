"""Reusable pieces of the benchmarks: an AWS call counter built on botocore's
event hooks, a latency timer, and the process setup every in-process bench needs.

Later benches (invoice-run throughput, ...) should reuse these rather than
time or count things their own way, so their numbers stay comparable.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER_PATH = ROOT / "layers" / "shared" / "python"

# What the tests use too: fake credentials, one region, no endpoint override
# (moto's mock_aws intercepts requests to the real AWS endpoints only).
FAKE_AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
CLEARED_AWS_ENV = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "AWS_CONFIG_FILE",
                   "AWS_SHARED_CREDENTIALS_FILE")


def prepare_process(extra_env: dict[str, str] | None = None) -> None:
    """Put the repo and the layer on sys.path and set a fake AWS environment,
    before any module that creates a boto3 client is imported."""
    for path in (str(ROOT), str(LAYER_PATH)):
        if path not in sys.path:
            sys.path.insert(0, path)
    for name in CLEARED_AWS_ENV:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENV)
    os.environ.update(extra_env or {})
    # moto deep-copies a whole table per transaction item, and lists (and sorts) the
    # whole table for every Query, costs DynamoDB does not have: without these, times
    # at 10,000 members measure moto.
    from local import moto_queries, moto_transactions

    moto_transactions.install()
    moto_queries.install()


class AwsCallCounter:
    """Counts AWS API calls ("DynamoDB.Query": 1) and the time spent inside them.

    It listens to botocore's `before-call` and `after-call` events, which fire
    once per API call (retries happen below them, per HTTP attempt), so the
    count is what the code asked AWS for. A client copies its session's event
    handlers when it is created: attach to the session *before* the code under
    test creates its client (for renewal.adapters.store: `store.reset()`, attach, then
    let the store create its client lazily), or attach to a client directly.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.aws_seconds = 0.0
        self._uid = f"bench-aws-calls-{id(self)}"

    def attach(self, target: Any) -> Any:
        """Hook a boto3 Session, a botocore Session or a client. Returns target.
        Attaching twice (a session and a client made from it) counts once."""
        events = target.meta.events if hasattr(target, "meta") else getattr(target, "events", None)
        if events is None:  # a botocore session
            events = target.get_component("event_emitter")
        events.register("before-call", self._before_call, unique_id=f"{self._uid}-before")
        events.register("after-call", self._after_call, unique_id=f"{self._uid}-after")
        return target

    def attach_default_session(self) -> Any:
        """Hook boto3's default session (what `boto3.client(...)` uses). moto's
        mock_aws replaces that session, so call this inside the mock."""
        import boto3

        session = boto3.DEFAULT_SESSION
        if session is None:
            boto3.setup_default_session()
            session = boto3.DEFAULT_SESSION
        return self.attach(session)

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self.calls[f"{model.service_model.service_id}.{model.name}"] += 1
        context["_bench_started"] = time.perf_counter()

    def _after_call(self, context: dict[str, Any], **_: Any) -> None:
        started = context.pop("_bench_started", None)
        if started is not None:
            self.aws_seconds += time.perf_counter() - started

    def reset(self) -> None:
        self.calls.clear()
        self.aws_seconds = 0.0

    @contextmanager
    def measure(self) -> Iterator[CallSample]:
        """The calls made inside the block (the counter keeps its running totals)."""
        before, before_seconds = Counter(self.calls), self.aws_seconds
        sample = CallSample()
        try:
            yield sample
        finally:
            sample.calls = dict(sorted((self.calls - before).items()))
            sample.aws_seconds = self.aws_seconds - before_seconds


@dataclass
class CallSample:
    calls: dict[str, int] = field(default_factory=dict)
    aws_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 200 samples is the 190th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class Timer:
    """Wall-clock samples of one operation, in seconds (time.perf_counter)."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    @contextmanager
    def time(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.samples.append(time.perf_counter() - started)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    def summary_ms(self) -> dict[str, float]:
        if not self.samples:
            return {"n": 0}
        return {
            "n": len(self.samples),
            "median_ms": round(self.median * 1000, 3),
            "p95_ms": round(self.p95 * 1000, 3),
            "min_ms": round(min(self.samples) * 1000, 3),
            "max_ms": round(max(self.samples) * 1000, 3),
        }


def template_environment(function: Any, *, table_name: str) -> dict[str, str]:
    """A function's Environment.Variables from template.yaml (Globals merged),
    with intrinsics resolved to stand-ins: parameters to their defaults, the
    table to `table_name`, a queue to a queue URL, anything else to a name."""
    from local import template

    parameters = template.parameter_defaults()
    kinds = {name: r["Type"] for name, r in template.load()["Resources"].items()}

    def resolve(value: Any) -> str:
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in parameters:
                return "" if parameters[ref] is None else str(parameters[ref])
            if kinds.get(ref) == "AWS::DynamoDB::Table":
                return table_name
            if kinds.get(ref) == "AWS::SQS::Queue":
                return f"https://sqs.us-east-1.amazonaws.com/123456789012/{ref}"
            return f"{ref.lower()}-bench"
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return f"arn:aws:bench:us-east-1:123456789012:{logical_id}/{attribute}"
        if isinstance(value, dict):
            return f"{'-'.join(value).lower()}-bench"
        return "" if value is None else str(value)

    return {name: resolve(value) for name, value in function.environment.items()}


def lambda_runtime_environment(function: Any) -> dict[str, str]:
    """The variables the Lambda runtime itself sets for a function."""
    from local import template

    resource = template.load()["Resources"][function.logical_id]["Properties"]
    globals_ = (template.load().get("Globals") or {}).get("Function") or {}
    memory = resource.get("MemorySize", globals_.get("MemorySize", 128))
    name = f"credential-renewal-{function.logical_id}"
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/28/[$LATEST]bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LAMBDA_TASK_ROOT": str(function.code_uri),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": function.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    }


def machine_info() -> dict[str, Any]:
    import platform
    import subprocess

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    packages = {}
    from importlib import metadata

    for name in ("boto3", "botocore", "aws-lambda-powertools", "pydantic", "moto"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "packages": packages,
    }


def drain_queue(sqs: Any, queue_url: str, queue_arn: str, handler: Any, function: Any,
                finished: Any) -> int:
    """Delivers a queue's messages to `handler` as Lambda's poller would (the
    template's batch size, partial batch failures honoured) until the queue is
    empty and `finished()` says the job is done. Returns the invocations."""
    from local.apigw import LambdaContext
    from local.sqs import records_to_delete, sqs_event

    (source,) = function.sqs_sources
    invocations = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, source["batch_size"]),
                                       MessageSystemAttributeNames=["All"]).get("Messages", [])
        if not messages:
            if finished():
                return invocations
            raise RuntimeError("the queue is empty but the job is still running")
        response = handler(sqs_event(messages, queue_arn), LambdaContext(function.logical_id, function.timeout))
        invocations += 1
        for message in records_to_delete(messages, response, source["report_failures"]):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
