"""The production envelope of template.yaml: what the template promises and the
functions honour (the scan itself, checkov, runs in `make lint`)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local import template
from tests.integration.conftest import STAFF

TEMPLATE_TEXT = template.TEMPLATE.read_text(encoding="utf-8")


def test_every_skipped_scan_check_says_why() -> None:
    skips = re.findall(r"#\s*checkov:skip=(\S+?):(.*)$", TEMPLATE_TEXT, re.M)
    assert skips, "the template skips no check: then this test has nothing to guard"
    unexplained = [check for check, reason in skips if len(reason.split()) < 5]
    assert not unexplained, f"skips without a reason: {unexplained}"


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    return template.resources(kind)


def test_state_survives_a_stack_mistake() -> None:
    (table,) = _resources("AWS::DynamoDB::Table").values()
    (pool,) = _resources("AWS::Cognito::UserPool").values()
    for resource in (table, pool):
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_queues_outlast_their_consumers_and_retry_five_times() -> None:
    """AWS advises a visibility timeout of at least six times the consumer's timeout."""
    queues = template.queues()
    for function in template.functions().values():
        for source in function.sqs_sources:
            from local.sqs import queue_logical_id

            queue = queues[queue_logical_id(source["queue"])]
            assert int(queue["VisibilityTimeout"]) >= 6 * function.timeout, (function.logical_id, source["name"])
            if "RedrivePolicy" in queue:
                assert int(queue["RedrivePolicy"]["maxReceiveCount"]) >= 5


def test_alarms_reach_a_person_in_prod() -> None:
    rules = template.load()["Rules"]["ProdHasAPersonToAlarm"]
    assert rules["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    asserted = str(rules["Assertions"])
    assert "AlarmEmail" in asserted and "SenderEmail" in asserted
    (topic,) = _resources("AWS::SNS::Topic").values()
    key = topic["Properties"]["KmsMasterKeyId"]
    assert key == {"Ref": "OperationsKey"}, "the AWS-managed SNS key cannot be used by CloudWatch alarms"
    statements = template.load()["Resources"]["OperationsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in statements)


def test_log_groups_expire() -> None:
    groups = _resources("AWS::Logs::LogGroup")
    assert groups and all(g["Properties"].get("RetentionInDays") for g in groups.values())
    logging = template.load()["Globals"]["Function"]["LoggingConfig"]
    assert logging["LogGroup"] == {"Ref": "FunctionLogGroup"}


def test_access_logs_carry_no_token_or_body() -> None:
    (api,) = _resources("AWS::Serverless::HttpApi").values()
    log_format = api["Properties"]["AccessLogSettings"]["Format"]
    for field in ("$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency",
                  "$context.authorizer.claims.sub"):
        assert field in log_format
    assert "authorization" not in log_format.lower() and "body" not in log_format.lower()


def test_public_routes_have_their_own_throttles() -> None:
    (api,) = _resources("AWS::Serverless::HttpApi").values()
    settings = api["Properties"]["RouteSettings"]
    public = [f"{r['method']} {r['path']}" for f in template.functions().values() for r in f.http_routes if r["public"]]
    assert sorted(settings) == sorted(public)
    default = api["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"]
    assert all(s["ThrottlingRateLimit"] < default for s in settings.values())


@pytest.mark.parametrize("enabled, status", [("true", 200), ("false", 404)])
def test_swagger_is_off_where_the_template_says(api: Any, monkeypatch: pytest.MonkeyPatch, enabled: str,
                                                status: int) -> None:
    monkeypatch.setenv("SWAGGER_ENABLED", enabled)
    reply = api.request("GET", "/swagger", query="format=json")
    assert reply.status == status
    if status == 404:
        assert reply.json()["error"]["code"] == "route_not_found"


def test_certificates_print_the_custom_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from local import apigw
    from renewal.api import public_base_url

    app = APIGatewayHttpResolver()
    app.append_context()
    event = apigw.http_event(method="GET", path="/me", route_key="GET /me", path_parameters={}, query="",
                             headers={"host": "abc123.execute-api.us-east-1.amazonaws.com"}, body=None, claims=STAFF)
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

    app.current_event = APIGatewayProxyEventV2(event)
    assert public_base_url(app).startswith("https://abc123.execute-api")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.renewals.example.org/")
    assert public_base_url(app) == "https://api.renewals.example.org"
