"""The local stack's moto server applies each DynamoDB call as one step, as
DynamoDB does: transactions racing other writes never answer 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.s3_policy import MotoServer

WRITERS, WRITES, SEEDED = 6, 30, 150


@pytest.fixture
def dynamodb():
    server = MotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("dynamodb", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"max_attempts": 1}, max_pool_connections=WRITERS))
    client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])
    for n in range(SEEDED):  # a table worth copying: moto copies it whole for each transaction
        client.put_item(TableName="t", Item={"PK": {"S": f"seed-{n}"}, "data": {"S": "x" * 200}})
    yield client
    server.stop()


def test_transactions_racing_other_writes_never_answer_500(dynamodb):
    def write(worker: int) -> list[str]:
        refused = []
        for n in range(WRITES):
            try:
                if worker % 2:
                    dynamodb.transact_write_items(TransactItems=[
                        {"Put": {"TableName": "t", "Item": {"PK": {"S": f"tx-{worker}-{n}-{part}"}}}}
                        for part in range(2)])
                else:
                    dynamodb.put_item(TableName="t", Item={"PK": {"S": f"put-{worker}-{n}"}})
            except ClientError as error:
                refused.append(error.response["Error"].get("Message", "")[:80])
        return refused

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        refused = [message for found in pool.map(write, range(WRITERS)) for message in found]
    assert refused == []
    written = sum(page["Count"] for page in dynamodb.get_paginator("scan").paginate(TableName="t", Select="COUNT"))
    assert written == SEEDED + (WRITERS // 2) * WRITES * 2 + (WRITERS // 2) * WRITES
