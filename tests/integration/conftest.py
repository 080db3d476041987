"""Handlers on moto: the table is built from template.yaml and every request is
a real API Gateway HTTP API event sent to the real handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import apigw, template

TABLE = "renewal-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    with mock_aws():
        from renewal import store

        store.reset()
        client = boto3.client("dynamodb")
        template.create_table(client, TABLE)
        yield client
        store.reset()


@pytest.fixture(autouse=True)
def fixed_today() -> Iterator[None]:
    import datetime as dt

    from renewal import clock

    clock.set_today(dt.date(2026, 11, 28))
    yield
    clock.set_today(None)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


STAFF = {"sub": "staff-1", "cognito:groups": ["naaei"]}


def member_claims(member_id: str) -> dict[str, Any]:
    return {"sub": f"user-{member_id}", "cognito:groups": ["member"], "custom:member_id": member_id}


class Api:
    """Sends requests to the handlers the template routes them to."""

    def __init__(self) -> None:
        self.functions = template.functions()
        self.router = apigw.Router(self.functions)

    def request(
        self, method: str, path: str, *, claims: dict[str, Any] | None = None, body: Any = None, raw: str | None = None,
        query: str = "",
    ) -> Reply:
        match = self.router.match(method, path)
        assert match, f"no route for {method} {path}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        event = apigw.http_event(
            method=method, path=path, route_key=match.route_key, path_parameters=match.path_parameters,
            query=query, headers={"content-type": "application/json"}, body=payload, claims=claims,
        )
        function = self.functions[match.function]
        response = apigw.load_handler(function)(event, apigw.LambdaContext(function.logical_id))
        return Reply(response["statusCode"], response.get("headers", {}), response.get("body", ""))


@pytest.fixture
def api(aws: Any) -> Api:
    return Api()
