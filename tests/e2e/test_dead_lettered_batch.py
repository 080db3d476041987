"""On a local stack of its own: a queue batch that fails every delivery goes to
its dead-letter queue, and its run ends `failed` with the alarms up, instead of
reading `running` for ever.

The fault is a damaged item in the table (an invoice whose due date is no
date), which the deadline run's page cannot read: the page fails each time the
queue delivers it. The test shortens the queue's visibility timeout (12 minutes
in the template) to one second through moto, so the five deliveries the
redrive policy allows take seconds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from .stack import Client, LocalServer, eventually, free_port, season_rule_set

YEAR = 2034
TODAY = f"{YEAR - 1}-12-20"  # inside the reminder window: the run has notices to send
MEMBER = "E2E-DLQ-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str]]:
    moto_port = free_port()
    server = LocalServer(Path(tmp_path_factory.mktemp("dlq")) / "state", seed="none",
                         env={"MOTO_PORT": str(moto_port)}).start()
    yield Client(server), f"http://127.0.0.1:{moto_port}"
    server.stop()


def aws(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def test_a_page_that_fails_every_delivery_ends_its_run_failed_and_alarmed(stack) -> None:
    client, moto = stack
    staff = client.staff_token()
    assert client.request("PUT", "/_local/clock", json={"today": TODAY}).status_code == 200
    assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff,
                          json=season_rule_set(YEAR, CAM=(8, 5, 17500))).status_code == 200
    body = {"first_name": "Dana", "last_name": "Lee", "affiliate": "AASC", "contact": {"email": "dana@example.org"},
            "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
    assert client.request("PUT", f"/admin/members/{MEMBER}", token=staff, json=body).status_code in (200, 201)
    started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
    assert started.status_code == 202, started.text
    invoice_run = eventually(lambda: (r := client.request("GET", f"/admin/invoice-runs/{started.json()['run_id']}",
                                                    token=staff).json())["status"] != "running" and r, timeout_s=60.0)
    assert invoice_run and invoice_run["status"] == "completed", invoice_run

    # The fault: the invoice's due date damaged behind the API's back.
    tables = aws("dynamodb", moto).list_tables()["TableNames"]
    (table,) = [t for t in tables if "renewal" in t.lower()] or tables
    aws("dynamodb", moto).update_item(
        TableName=table, Key={"PK": {"S": f"MEMBER#{MEMBER}"}, "SK": {"S": f"INVOICE#{YEAR}"}},
        UpdateExpression="SET due_date = :bad", ExpressionAttributeValues={":bad": {"S": "not a date"}},
        ConditionExpression="attribute_exists(PK)")
    sqs = aws("sqs", moto)
    (jobs,) = [u for u in sqs.list_queues()["QueueUrls"] if "DeadlineJob" in u and "DLQ" not in u]
    sqs.set_queue_attributes(QueueUrl=jobs, Attributes={"VisibilityTimeout": "1"})
    # A receive already waiting (the stack long-polls for a second) took the old timeout with it.
    time.sleep(2.5)

    started = client.request("POST", "/admin/deadline-runs", token=staff, json={})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]

    def ended():
        run = client.request("GET", f"/admin/deadline-runs/{run_id}", token=staff).json()
        return run if run["status"] != "running" else None

    run = eventually(ended, timeout_s=60.0)
    assert run is not None, "the run still reads running: the dead letter never reached its owner"
    assert run["status"] == "failed" and run["finished_at"] and run["renewals_seen"] == 0, run
    # The page is kept, with the error, for a replay once the item is mended (docs/operations.md).
    (letter,) = aws("dynamodb", moto).query(
        TableName=table, KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "DEADLETTER#deadline_page"}})["Items"]
    kept = json.loads(letter["body"]["S"])
    assert (kept["kind"], kept["run_id"], kept["renewal_year"]) == ("deadline_page", run_id, YEAR)

    alarms = {a["alarm"]: a for a in client.request("GET", "/_local/alarms").json()["alarms"]}
    assert alarms["RunFailedAlarm"]["state"] == "ALARM"
    assert alarms["DeadLetterAlarm"]["state"] == "ALARM"
    # The dead-letter function read the message and kept it for a replay: the DLQ itself is empty.
    assert alarms["DeadlineJobDLQAlarm"]["state"] == "OK"
    dlq = [u for u in sqs.list_queues()["QueueUrls"] if "DeadlineJobDLQ" in u]
    assert sqs.get_queue_attributes(QueueUrl=dlq[0], AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
