"""The local stack's invoker keeps each HTTP API request to its own event, as
Lambda's one-request-per-process does, although every function shares the
stack's process (local/invoke.py says why Powertools needs that)."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Iterator

import pytest

from local import apigw, template
from local.invoke import Invoker
from tests.integration.conftest import STAFF

ROUNDS = 60


@pytest.fixture(autouse=True)
def busy() -> Iterator[None]:
    """Threads switch often, as on a busy stack, so a race shows within a few hundred requests."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def _requests():
    staff = apigw.http_event(method="GET", path="/admin/invoice-runs", route_key="GET /admin/invoice-runs",
                             claims=STAFF)
    health = apigw.http_event(method="GET", path="/health", route_key="GET /health")
    return [("InvoiceGenerationFunction", staff), ("PublicApiFunction", health)]


def _race(invoker: Invoker) -> list[int]:
    """Staff list requests and public /health requests at once, on two functions."""
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(function_id: str, event: dict) -> None:
        for _ in range(ROUNDS):
            answer = invoker.invoke(function_id, json.loads(json.dumps(event)))
            with lock:
                statuses.append(answer["statusCode"])

    threads = [threading.Thread(target=worker, args=request) for request in _requests() for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_requests_on_two_functions_each_keep_their_caller(aws):
    invoker = Invoker(template.functions())
    invoker.load_all()
    statuses = _race(invoker)
    assert len(statuses) == 4 * ROUNDS
    assert set(statuses) == {200}, sorted(set(statuses))


def test_without_taking_turns_the_resolver_mixes_requests_up(aws, monkeypatch):
    """The reason for the turns: the same race with them removed answers some staff requests 401."""
    invoker = Invoker(template.functions())
    invoker.load_all()
    monkeypatch.setattr(invoker, "_api", contextlib.nullcontext())
    statuses = []
    for _ in range(5):  # a race: a few tries make it show
        statuses += _race(invoker)
        if 401 in statuses:
            break
    assert 401 in statuses
