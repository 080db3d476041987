"""moto's transactions as the local stack runs them (local/moto_transactions.py):
all or nothing as before, without copying the table."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

TABLE = "transactions"


@pytest.fixture
def client():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                               {"AttributeName": "SK", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                    {"AttributeName": "SK", "KeyType": "RANGE"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        for n in range(3):
            ddb.put_item(TableName=TABLE, Item={"PK": {"S": "M#1"}, "SK": {"S": f"I#{n}"}, "n": {"N": str(n)}})
        yield ddb


def _items(ddb):
    return sorted((i["SK"]["S"], i.get("n", {}).get("N")) for i in ddb.scan(TableName=TABLE)["Items"])


def _stream_records(ddb):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[TABLE].stream_shard
    return [record.record["eventName"] for record in shard.items]


def _writes(last_condition: str):
    return [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "M#1"}, "SK": {"S": "I#new"}, "n": {"N": "9"}}}},
        {"Update": {"TableName": TABLE, "Key": {"PK": {"S": "M#1"}, "SK": {"S": "I#0"}},
                    "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "7"}}}},
        {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "M#1"}, "SK": {"S": "I#1"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": {"PK": {"S": "M#1"}, "SK": {"S": "I#2"}},
                            "ConditionExpression": last_condition}},
    ]


def test_a_cancelled_transaction_leaves_every_item_and_the_stream_as_they_were(client):
    before, stream = _items(client), _stream_records(client)
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=_writes("attribute_not_exists(PK)"))
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _items(client) == before
    assert _stream_records(client) == stream


def test_a_transaction_naming_one_item_twice_is_refused_and_writes_nothing(client):
    before = _items(client)
    twice = _writes("attribute_exists(PK)")[:2] + [
        {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "M#1"}, "SK": {"S": "I#new"}}}}]
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=twice)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _items(client) == before


def test_a_transaction_that_holds_writes_all_of_it_without_copying_the_table(client, monkeypatch):
    def no_table_copies(self, memo):
        raise AssertionError("the transaction copied the whole table")

    monkeypatch.setattr(Table, "__deepcopy__", no_table_copies, raising=False)
    client.transact_write_items(TransactItems=_writes("attribute_exists(PK)"))
    assert _items(client) == [("I#0", "7"), ("I#2", "2"), ("I#new", "9")]
    assert _stream_records(client)[-3:] == ["INSERT", "MODIFY", "REMOVE"]
