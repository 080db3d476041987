"""Nothing fails silently: a dead-lettered message or a failed scheduled run ends
its run `failed`, is recorded once, and raises the alarm the template declares."""

import json

import boto3
import pytest

from local import apigw, template
from local.alarms import Alarms
from renewal import keys
from renewal.adapters import store
from tests.integration.conftest import QUEUES, STAFF, drain
from tests.integration.test_invoice_runs import SEED_ERA, member, run_status, start


def alarms_from(output: str) -> dict[str, str]:
    """The template's alarms as CloudWatch would set them from the metrics the functions printed."""
    watcher = Alarms(resolve=lambda value: value, queue_depth=lambda name: None)
    for line in output.splitlines():
        watcher.record(line)
    return {alarm["alarm"]: alarm["state"] for alarm in watcher.states()}


def invoke(function_id: str, event: dict) -> dict:
    function = template.functions()[function_id]
    return apigw.load_handler(function)(event, apigw.LambdaContext(function_id))


def scheduled_failure(event: dict, error: str) -> dict:
    """What Lambda puts in the function's dead-letter queue, as the queue hands it on."""
    return {"Records": [{
        "messageId": "m-1", "receiptHandle": "r-1", "body": json.dumps(event), "md5OfBody": "",
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {"ErrorMessage": {"stringValue": error, "dataType": "String",
                                               "stringListValues": [], "binaryListValues": []}},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ScheduledRunDLQ",
        "awsRegion": "us-east-1"}]}


def test_a_batch_that_dead_letters_fails_its_run_and_raises_the_alarm(api, monkeypatch, capsys):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=SEED_ERA)
    for n in range(4):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    run_id = start(api)
    real = store.transact
    # Every delivery of the batch dies writing its invoices, before it can count itself.
    monkeypatch.setattr(store, "transact", lambda operations: (_ for _ in ()).throw(TimeoutError("timed out")))
    monkeypatch.setenv("INVOICE_JOB_MAX_RECEIVES", "99")
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    assert run_status(api, run_id)["status"] == "running"  # stuck, until the dead letter is read
    monkeypatch.setattr(store, "transact", real)
    capsys.readouterr()

    batches = drain("InvoiceJobDLQ", "DeadLetterFunction")  # the members' batches (one per shard they fall in)
    assert batches >= 1

    progress = run_status(api, run_id)
    assert progress["status"] == "failed"
    assert progress["failed"] == 4 and progress["members_seen"] == 4
    letters = list(store.query_all(keys.dead_letters_partition("members")))
    assert len(letters) == batches and {letter["source"] for letter in letters} == {"InvoiceJobDLQ"}
    states = alarms_from(capsys.readouterr().out)
    assert states["DeadLetterAlarm"] == "ALARM" and states["RunFailedAlarm"] == "ALARM"
    assert states["PaymentFlaggedAlarm"] == "OK"


def test_the_same_dead_letter_twice_counts_once(api, capsys):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=SEED_ERA)
    member(api, "M-1", ("CAM", "2019-05-04"))
    run_id = start(api)
    batch = {"kind": "members", "run_id": run_id, "renewal_year": 2027, "batch_id": "00-00000",
             "member_ids": ["M-1"]}
    sqs = boto3.client("sqs")
    for _ in range(2):
        sqs.send_message(QueueUrl=QUEUES["InvoiceJobDLQ"], MessageBody=json.dumps(batch, sort_keys=True))
    capsys.readouterr()
    drain("InvoiceJobDLQ", "DeadLetterFunction")
    counted = [json.loads(line).get("DeadLetters") for line in capsys.readouterr().out.splitlines()
               if line.startswith('{"_aws"')]
    assert counted == [[1.0]]
    run = store.get(keys.run_key(run_id))
    assert run["failed"] == 1 and run["batches_done"] == 1


def test_a_scheduled_start_that_failed_every_attempt_is_a_failed_run(api, capsys):
    event = {"job": "annual_invoice_run", "scheduled_time": "2026-10-01T08:00:00Z"}
    with pytest.raises(Exception, match="No rule set exists for renewal year 2027"):
        invoke("InvoiceGenerationFunction", event)
    capsys.readouterr()

    invoke("DeadLetterFunction", scheduled_failure(event, "RuleViolation: No rule set exists for renewal year 2027"))

    run = run_status(api, "scheduled-20261001T080000Z")
    assert run["status"] == "failed" and run["renewal_year"] == 2027 and run["finished_at"]
    assert alarms_from(capsys.readouterr().out)["RunFailedAlarm"] == "ALARM"


def test_a_retried_scheduled_start_resumes_the_same_run(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=SEED_ERA)
    member(api, "M-1", ("CAM", "2019-05-04"))
    event = {"job": "annual_invoice_run", "scheduled_time": "2026-10-01T08:00:00Z"}
    first = invoke("InvoiceGenerationFunction", event)
    again = invoke("InvoiceGenerationFunction", event)  # Lambda's retry of the same firing
    assert first["run_id"] == again["run_id"] == "scheduled-20261001T080000Z"
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    progress = run_status(api, first["run_id"])
    assert progress["status"] == "completed" and progress["invoices_created"] == 1


def test_replay_sends_recorded_submissions_back_to_their_queue(api):
    message = {"member_id": "M-9", "submission_id": "S-9"}
    boto3.client("sqs").send_message(QueueUrl=QUEUES["CecSubmissionDLQ"], MessageBody=json.dumps(message))
    drain("CecSubmissionDLQ", "DeadLetterFunction")
    assert invoke("DeadLetterFunction", {"replay": "cec_submission"}) == {"kind": "cec_submission", "replayed": 1}
    back = boto3.client("sqs").receive_message(QueueUrl=QUEUES["CecSubmissionQueue"]).get("Messages", [])
    assert [json.loads(m["Body"]) for m in back] == [message]
    assert not list(store.query_all(keys.dead_letters_partition("cec_submission")))
