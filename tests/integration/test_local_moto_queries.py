"""moto's queries as the local stack runs them (local/moto_queries.py): the
same items, order and pages as a read of the whole table gives, from the
partition alone."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table

TABLE = "queries"
PARTITIONS = [f"M#{n}" for n in range(6)]


@pytest.fixture
def client():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        key = [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST", KeySchema=key,
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "G", "GS")],
            GlobalSecondaryIndexes=[{"IndexName": "GSI", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"},
                                                   {"AttributeName": "GS", "KeyType": "RANGE"}]}])
        for p, pk in enumerate(PARTITIONS):
            for n in range(7):
                item = {"PK": {"S": pk}, "SK": {"S": f"I#{(n * 5) % 7}"}, "n": {"N": str(n)}}
                if n % 2 == 0:  # only some items are in the index; several share an index sort key
                    item |= {"G": {"S": f"G#{p % 2}"}, "GS": {"S": f"S#{n % 3}"}}
                ddb.put_item(TableName=TABLE, Item=item)
        yield ddb


def _all(ddb):
    return ddb.scan(TableName=TABLE)["Items"]


def _pages(ddb, limit, **query):
    found, start = [], None
    while True:
        page = ddb.query(TableName=TABLE, Limit=limit, **query, **({"ExclusiveStartKey": start} if start else {}))
        found += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def _keys(items):
    return [(i["PK"]["S"], i["SK"]["S"]) for i in items]


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("limit", [2, 3, 100])
def test_a_partition_query_answers_its_items_in_key_order_page_by_page(client, forward, limit):
    for pk in PARTITIONS:
        expected = sorted((i for i in _all(client) if i["PK"]["S"] == pk), key=lambda i: i["SK"]["S"],
                          reverse=not forward)
        found = _pages(client, limit, KeyConditionExpression="PK = :pk",
                       ExpressionAttributeValues={":pk": {"S": pk}}, ScanIndexForward=forward)
        assert _keys(found) == _keys(expected)


def test_a_key_condition_on_the_sort_key_and_a_missing_partition(client):
    found = client.query(TableName=TABLE, KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
                         ExpressionAttributeValues={":pk": {"S": "M#3"}, ":p": {"S": "I#"}})["Items"]
    assert len(found) == 7
    assert client.query(TableName=TABLE, KeyConditionExpression="PK = :pk",
                        ExpressionAttributeValues={":pk": {"S": "M#none"}})["Items"] == []


@pytest.mark.parametrize("limit", [1, 4, 100])
def test_an_index_query_keeps_moto_s_order_across_pages(client, limit):
    for group in ("G#0", "G#1"):
        expected = sorted((i for i in _all(client) if i.get("G", {}).get("S") == group),
                          key=lambda i: (i["GS"]["S"], i["PK"]["S"], i["SK"]["S"]))
        found = _pages(client, limit, IndexName="GSI", KeyConditionExpression="G = :g",
                       ExpressionAttributeValues={":g": {"S": group}})
        assert _keys(found) == _keys(expected)


def test_a_query_never_lists_the_whole_table_and_a_scan_still_does(client, monkeypatch):
    listed = []
    original = Table.all_items
    monkeypatch.setattr(Table, "all_items", lambda self: listed.append(len(original(self))) or original(self))
    client.query(TableName=TABLE, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "M#1"}})
    assert listed == [7]  # the partition only
    client.scan(TableName=TABLE)
    assert listed[-1] == 7 * len(PARTITIONS)
