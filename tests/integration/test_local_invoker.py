"""How the local stack and the storm tests run Lambda's functions in one
process, each request to its own event as in Lambda, where a process serves one
request at a time: the local stack's invoker makes HTTP API requests take turns
(local/invoke.py says why Powertools needs that), and the storms give each
thread an environment of its own (local/environments.py)."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from abc import ABCMeta
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from local import apigw, template
from local.environments import Environments, isolated
from local.invoke import Invoker
from tests.integration.conftest import STAFF

ROUNDS = 60
RUNS = "InvoiceGenerationFunction"
MISSING = "00000000-0000-4000-8000-000000000000"
RIGHT = {("list", 200), ("missing", 404)}


@pytest.fixture(autouse=True)
def busy() -> Iterator[None]:
    """Threads switch often, as on a busy stack, so a race shows within a few hundred requests."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def _race(requests: dict[str, tuple[str, dict[str, Any]]],
          call: Callable[[str, dict[str, Any]], dict[str, Any]]) -> list[tuple[str, int]]:
    """Each request ROUNDS times on two threads, all at once: (request, status) answered."""
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def ask(which: str) -> None:
        function_id, event = requests[which]
        for _ in range(ROUNDS):
            answer = call(function_id, json.loads(json.dumps(event)))
            with lock:
                answers.append((which, answer["statusCode"]))

    threads = [threading.Thread(target=ask, args=(which,)) for which in requests for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


# ------------------------------------------------------------------ the local stack: turns across functions

TWO_FUNCTIONS = {
    "staff": (RUNS, apigw.http_event(method="GET", path="/admin/invoice-runs", route_key="GET /admin/invoice-runs",
                                     claims=STAFF)),
    "health": ("PublicApiFunction", apigw.http_event(method="GET", path="/health", route_key="GET /health")),
}


def test_concurrent_requests_on_two_functions_each_keep_their_caller(aws):
    invoker = Invoker(template.functions())
    invoker.load_all()
    answers = _race(TWO_FUNCTIONS, invoker.invoke)
    assert len(answers) == 4 * ROUNDS
    assert {status for _, status in answers} == {200}, sorted(set(answers))


def test_without_taking_turns_the_resolver_mixes_requests_up(aws, monkeypatch):
    """The reason for the turns: the same race with them removed answers some staff requests 401."""
    invoker = Invoker(template.functions())
    invoker.load_all()
    monkeypatch.setattr(invoker, "_api", contextlib.nullcontext())
    answers: list[tuple[str, int]] = []
    for _ in range(20):  # a race: it shows within a few tries (stops as soon as it does)
        answers += _race(TWO_FUNCTIONS, invoker.invoke)
        if ("staff", 401) in answers:
            break
    assert ("staff", 401) in answers


# ------------------------------------------------------------------ the storms: an environment per thread

ONE_FUNCTION = {  # staff list the invoice runs and ask for one that does not exist, on the same function
    "list": (RUNS, apigw.http_event(method="GET", path="/admin/invoice-runs", route_key="GET /admin/invoice-runs",
                                    claims=STAFF)),
    "missing": (RUNS, apigw.http_event(method="GET", path=f"/admin/invoice-runs/{MISSING}",
                                       route_key="GET /admin/invoice-runs/{run_id}",
                                       path_parameters={"run_id": MISSING}, claims=STAFF)),
}


def _on(handler_for: Callable[[template.Function], Any]) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    functions = template.functions()
    return lambda function_id, event: handler_for(functions[function_id])(event, apigw.LambdaContext(function_id))


def test_each_thread_an_environment_every_request_gets_its_own_answer(aws):
    with isolated():
        answers = _race(ONE_FUNCTION, _on(Environments().handler))
    assert len(answers) == 4 * ROUNDS
    assert set(answers) == RIGHT, sorted(set(answers))


def test_sharing_one_environment_mixes_requests_up(aws):
    """Why: the same race on one copy of the function, as the storms ran before, answers some
    requests with another's route or path arguments."""
    answers: list[tuple[str, int]] = []
    for _ in range(20):  # a race: it shows within a few tries (stops as soon as it does)
        answers += _race(ONE_FUNCTION, _on(apigw.load_handler))
        if set(answers) - RIGHT:
            break
    assert set(answers) - RIGHT


def test_isolation_ends_with_its_block(aws):
    with isolated():
        assert type(BaseRouter) is not ABCMeta
    assert type(BaseRouter) is ABCMeta
    answer = _on(apigw.load_handler)(*ONE_FUNCTION["list"])
    assert answer["statusCode"] == 200
    assert BaseRouter.current_event.path == "/admin/invoice-runs"  # Powertools' own again, one per process


def test_a_thread_keeps_its_copy_and_copies_are_separate(aws):
    environments = Environments()
    function = template.functions()[RUNS]
    mine = environments.handler(function)
    assert environments.handler(function) is mine
    theirs: list[Any] = []
    thread = threading.Thread(target=lambda: theirs.append(environments.handler(function)))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and theirs[0].__module__ != mine.__module__
    assert mine is not apigw.load_handler(function)
