"""The DynamoDB adapter: the only module that talks to the table.

Services call the small set of operations below with keys from renewal.keys.
Every request path uses GetItem, Query or TransactWriteItems; there is no Scan
here at all (the local stack's state snapshot scans with its own client).
"""

from __future__ import annotations

import decimal
import functools
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from renewal import config

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@functools.cache
def client():
    # Created once per process (reused across warm invocations); endpoint and
    # credentials come from the standard environment, so moto and AWS look alike.
    return boto3.client("dynamodb")


def reset() -> None:
    """Forget the cached client (tests that start a fresh moto backend)."""
    client.cache_clear()


def to_attr(value: Any) -> dict[str, Any]:
    return _serializer.serialize(_to_dynamo(value))


def to_item(record: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_attr(value) for name, value in record.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _from_dynamo(_deserializer.deserialize(value)) for name, value in item.items()}


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, Mapping):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


def get(key: Mapping[str, str], *, consistent: bool = True) -> dict[str, Any] | None:
    response = client().get_item(TableName=config.table_name(), Key=to_item(key), ConsistentRead=consistent)
    item = response.get("Item")
    return from_item(item) if item else None


def query_partition(
    pk: str,
    *,
    sk_prefix: str | None = None,
    index: str | None = None,
    forward: bool = True,
    limit: int | None = None,
    start_key: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of a partition (of the table or of an index), in key order."""
    pk_name, sk_name = ("PK", "SK") if index is None else (f"{index}PK", f"{index}SK")
    expression = "#pk = :pk"
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": to_attr(pk)}
    if sk_prefix:
        expression += " AND begins_with(#sk, :sk)"
        names["#sk"] = sk_name
        values[":sk"] = to_attr(sk_prefix)
    request: dict[str, Any] = {
        "TableName": config.table_name(),
        "KeyConditionExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": forward,
    }
    if index:
        request["IndexName"] = index
    else:
        # A member's page is read right after it was written (a submission, then its
        # queue message): strongly consistent, as GetItem here always is.
        request["ConsistentRead"] = True
    if limit:
        request["Limit"] = limit
    if start_key:
        request["ExclusiveStartKey"] = to_item(start_key)
    response = client().query(**request)
    last = response.get("LastEvaluatedKey")
    return [from_item(item) for item in response.get("Items", [])], (from_item(last) if last else None)


def query_all(pk: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a partition, following pages."""
    start: dict[str, Any] | None = None
    while True:
        items, start = query_partition(pk, start_key=start, **kwargs)
        yield from items
        if not start:
            return


def batch_get(keys_: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Up to any number of items by key (100 a call, unprocessed keys retried)."""
    found: list[dict[str, Any]] = []
    table = config.table_name()
    for start in range(0, len(keys_), 100):
        pending: dict[str, Any] = {table: {"Keys": [to_item(k) for k in keys_[start : start + 100]],
                                           "ConsistentRead": True}}
        while pending:
            response = client().batch_get_item(RequestItems=pending)
            found.extend(from_item(item) for item in response.get("Responses", {}).get(table, []))
            pending = response.get("UnprocessedKeys") or {}
    return found


def batch_write(*, puts: Sequence[Mapping[str, Any]] = (), deletes: Sequence[Mapping[str, str]] = ()) -> None:
    """Unconditional puts and deletes, 25 a call (BatchWriteItem), unprocessed
    items retried with a growing pause. For items whose correctness does not
    hang on a condition (derived entries, idempotent records)."""
    requests = [{"PutRequest": {"Item": to_item(record)}} for record in puts]
    requests += [{"DeleteRequest": {"Key": to_item(key)}} for key in deletes]
    table = config.table_name()
    for start in range(0, len(requests), 25):
        pending = {table: requests[start : start + 25]}
        for attempt in range(8):
            pending = client().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.05 * 2**attempt))
        else:
            raise RuntimeError(f"{len(pending[table])} items stayed unprocessed (throttled)")


class ConditionFailed(Exception):
    """A conditional write or a transaction lost: someone else changed the item first.
    `old` is the item as it stood, when DynamoDB returned it."""

    def __init__(self, reasons: Sequence[str] = (), old: dict[str, Any] | None = None):
        super().__init__(", ".join(reasons) or "condition failed")
        self.reasons = list(reasons)
        self.old = old


def _condition_failed(error: ClientError) -> ConditionFailed | None:
    if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
        return None
    old = error.response.get("Item")
    return ConditionFailed(["ConditionalCheckFailed"], old=from_item(old) if old else None)


def put(record: Mapping[str, Any], *, condition: str | None = None, names=None, values=None) -> None:
    request: dict[str, Any] = {"TableName": config.table_name(), "Item": to_item(record)}
    _add_condition(request, condition, names, values)
    if condition:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        client().put_item(**request)
    except ClientError as error:
        failed = _condition_failed(error)
        if failed:
            raise failed from error
        raise


def update(
    key: Mapping[str, str], expression: str, *, condition: str | None = None, names=None, values=None,
    returns: str = "NONE",
) -> dict[str, Any] | None:
    """UpdateItem; ConditionFailed when the condition does not hold. Returns the
    attributes asked for with `returns` (e.g. ALL_NEW)."""
    request: dict[str, Any] = {
        "TableName": config.table_name(), "Key": to_item(key), "UpdateExpression": expression,
        "ReturnValues": returns,
    }
    _add_condition(request, condition, names, values)
    try:
        response = client().update_item(**request)
    except ClientError as error:
        failed = _condition_failed(error)
        if failed:
            raise failed from error
        raise
    attributes = response.get("Attributes")
    return from_item(attributes) if attributes else None


def delete(key: Mapping[str, str]) -> None:
    client().delete_item(TableName=config.table_name(), Key=to_item(key))


def update_op(key: Mapping[str, str], expression: str, *, condition: str | None = None, names=None,
              values=None) -> dict[str, Any]:
    """An Update for `transact`."""
    op: dict[str, Any] = {"TableName": config.table_name(), "Key": to_item(key), "UpdateExpression": expression}
    _add_condition(op, condition, names, values)
    return {"Update": op}


def put_op(record: Mapping[str, Any], *, condition: str | None = None, names=None, values=None) -> dict[str, Any]:
    """A Put for `transact`."""
    op: dict[str, Any] = {"TableName": config.table_name(), "Item": to_item(record)}
    _add_condition(op, condition, names, values)
    return {"Put": op}


def transact(operations: Sequence[dict[str, Any]]) -> None:
    """All or nothing. A lost condition raises ConditionFailed with per-item reasons."""
    try:
        client().transact_write_items(TransactItems=list(operations))
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException":
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            raise ConditionFailed(reasons) from error
        raise


def _add_condition(request: dict[str, Any], condition: str | None, names, values) -> None:
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = {k: to_attr(v) for k, v in values.items()}
