"""Reads template.yaml: the single source of truth for the table, queues, bucket,
functions, routes, queue event sources and schedules that the local stack and
the tests build.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
LAYER_PATH = ROOT / "layers" / "shared" / "python"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub, ...)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@functools.cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in load()["Resources"].items() if r["Type"] == kind}


def table_definition() -> tuple[str, dict[str, Any]]:
    """(logical id, create_table arguments) of the one DynamoDB table."""
    (logical_id, table), = resources("AWS::DynamoDB::Table").items()
    props = table["Properties"]
    args: dict[str, Any] = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return logical_id, args


def ttl_attribute() -> str | None:
    (_, table), = resources("AWS::DynamoDB::Table").items()
    spec = table["Properties"].get("TimeToLiveSpecification") or {}
    return spec.get("AttributeName") if spec.get("Enabled") else None


def create_table(client: Any, table_name: str) -> None:
    _, args = table_definition()
    client.create_table(TableName=table_name, **args)
    attribute = ttl_attribute()
    if attribute:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )


@dataclass
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    timeout: int = 10
    http_routes: list[dict[str, Any]] = field(default_factory=list)
    sqs_sources: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    cognito_triggers: list[dict[str, Any]] = field(default_factory=list)
    # Asynchronous invocations (schedules): Lambda's retries, then the function's dead-letter queue.
    async_retries: int = 2
    dead_letter_queue: Any = None  # the DeadLetterQueue's TargetArn (a !GetAtt of a queue), if any


def functions() -> dict[str, Function]:
    glob = (load().get("Globals") or {}).get("Function") or {}
    found: dict[str, Function] = {}
    for logical_id, resource in resources("AWS::Serverless::Function").items():
        props = resource["Properties"]
        env = {**((glob.get("Environment") or {}).get("Variables") or {}),
               **((props.get("Environment") or {}).get("Variables") or {})}
        function = Function(
            logical_id=logical_id,
            code_uri=(ROOT / props["CodeUri"]).resolve(),
            handler=props["Handler"],
            environment=env,
            timeout=int(props.get("Timeout", glob.get("Timeout", 10))),
            async_retries=int(((props.get("EventInvokeConfig") or {}).get("MaximumRetryAttempts", 2))),
            dead_letter_queue=(props.get("DeadLetterQueue") or {}).get("TargetArn"),
        )
        for event_name, event in (props.get("Events") or {}).items():
            event_props = event.get("Properties") or {}
            if event["Type"] == "HttpApi":
                auth = (event_props.get("Auth") or {}).get("Authorizer")
                function.http_routes.append(
                    {
                        "name": event_name,
                        "method": event_props["Method"].upper(),
                        "path": event_props["Path"],
                        "public": auth == "NONE",
                    }
                )
            elif event["Type"] == "SQS":
                function.sqs_sources.append(
                    {
                        "name": event_name,
                        "queue": event_props["Queue"],
                        "batch_size": int(event_props.get("BatchSize", 10)),
                        "report_failures": "ReportBatchItemFailures" in (event_props.get("FunctionResponseTypes") or []),
                    }
                )
            elif event["Type"] == "Cognito":
                function.cognito_triggers.append({"name": event_name, "trigger": event_props.get("Trigger")})
            elif event["Type"] in ("ScheduleV2", "Schedule"):
                function.schedules.append(
                    {
                        "name": event_props.get("Name") or event_name,
                        "event": event_name,
                        "expression": event_props.get("ScheduleExpression"),
                        "input": event_props.get("Input"),
                    }
                )
        found[logical_id] = function
    return found


def queues() -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every SQS queue (RedrivePolicy names the DLQ by !GetAtt)."""
    return {name: (r.get("Properties") or {}) for name, r in resources("AWS::SQS::Queue").items()}


def buckets() -> dict[str, dict[str, Any]]:
    return {name: (r.get("Properties") or {}) for name, r in resources("AWS::S3::Bucket").items()}


def parameter_defaults() -> dict[str, Any]:
    return {name: p.get("Default") for name, p in (load().get("Parameters") or {}).items()}
