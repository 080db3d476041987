"""Injected faults at each write path, and what a user sees: nothing lost,
nothing counted twice, a clear error where a retry is the answer.

Faults are injected where AWS's and Stripe's would show: botocore's Stubber,
or a `before-send` hook that answers for the service (so botocore's own retry
logic runs, as against AWS), and the Stripe SDK's HTTP client.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import stripe
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from local import apigw, template
from local.sqs import records_to_delete, sqs_event
from renewal import keys
from renewal.adapters import queue, store
from tests.integration.conftest import QUEUES, STAFF, drain, member_claims
from tests.integration.local_stripe import local_stripe  # noqa: F401 (fixture)
from tests.integration.test_cec_submissions import (  # noqa: F401 (season is a fixture)
    COMPLETE, M1, PROCESSOR, QUEUE, form, season, submission,
)
from tests.integration.test_payments import INVOICE, deliver, invoice, invoiced, session_event  # noqa: F401
from tests.integration.test_storms import _seed_members, items

def report(fault: str, **figures: Any) -> None:
    print(f"fault: {fault}: " + ", ".join(f"{name}={value}" for name, value in figures.items()), flush=True)


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any):
        yield self.data


def answer_with_error(client: Any, operation: str, code: str, *, times: int, status: int = 400) -> Counter:
    """The next `times` calls of `operation` are answered by `code`, as the service would answer them."""
    seen: Counter = Counter()
    service = client.meta.service_model.service_id.hyphenize()  # how botocore names its events ("ses")
    protocol = client.meta.service_model.protocol

    def fail(request: Any, **_: Any) -> AWSResponse | None:
        seen["calls"] += 1
        if seen["failed"] >= times:
            return None
        seen["failed"] += 1
        if protocol == "json":
            body = json.dumps({"__type": code, "message": "injected"}).encode()
            headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
        else:  # query protocol (SES): an XML error
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message>"
                    "</Error><RequestId>fault</RequestId></ErrorResponse>").encode()
            headers = {"Content-Type": "text/xml"}
        return AWSResponse(request.url, status, headers, _Body(body))

    client.meta.events.register_first(f"before-send.{service}.{operation}", fail)
    return seen


# ------------------------------------------------------------------ SQS send fails after an accepted submission


def test_a_submission_whose_queue_message_fails_is_delivered_by_the_outbox_sweep_once(season):
    api = season
    form_id = form(api, M1, *COMPLETE)
    with Stubber(queue.client()) as stub:
        stub.add_client_error("send_message_batch", service_error_code="AWS.SimpleQueueService.ServiceUnavailable",
                              http_status_code=503)
        reply = api.request("POST", "/me/cec-submissions", claims=M1, body={"renewal_year": 2027, "form_ids": [form_id]})
    assert reply.status == 202, reply.text  # accepted: the outbox has it
    submission_id = reply.json()["submission_id"]
    queued_before = drain(QUEUE, PROCESSOR)
    outbox_before = len(list(store.query_all(keys.SUBMISSION_OUTBOX)))
    from renewal import submissions

    swept = submissions.sweep_outbox()
    swept_again = submissions.sweep_outbox()
    processed = drain(QUEUE, PROCESSOR)
    status = submission(api, M1, submission_id)["status"]
    report("SQS send failed after an accepted submission", answered=reply.status, queued_at_first=queued_before,
           outbox_entries=outbox_before, swept=swept + swept_again, processed=processed, status=status)
    assert (queued_before, outbox_before, swept, swept_again, processed) == (0, 1, 1, 0, 1)
    assert status == "in_review"


# ------------------------------------------------------------------ DynamoDB throttling


def test_a_throttled_payment_write_is_retried_and_pays_once(invoiced):
    api = invoiced
    throttled = answer_with_error(store.client(), "TransactWriteItems", "ThrottlingException", times=2)
    status, _ = deliver(api, session_event("evt_throttled"))
    paid = invoice(api)
    report("DynamoDB throttling on the payment write (2 throttles, then through)", answered=status,
           attempts=throttled["calls"], throttled=throttled["failed"], payments=len(paid["payments"]),
           amount_paid_cents=paid["amount_paid_cents"])
    assert status == 200 and throttled["failed"] == 2 and throttled["calls"] >= 3  # botocore retried
    assert (paid["status"], len(paid["payments"]), paid["amount_paid_cents"]) == ("paid", 1, 17500)


def test_throttling_beyond_the_retries_fails_the_delivery_and_stripes_retry_pays_once(invoiced):
    api = invoiced
    throttled = answer_with_error(store.client(), "TransactWriteItems", "ThrottlingException", times=100)
    first, _ = deliver(api, session_event("evt_throttled"))
    throttled["failed"] = 100  # the throttling ends; Stripe delivers the same event again
    retries = [deliver(api, session_event("evt_throttled"))[0] for _ in range(3)]
    paid = invoice(api)
    report("DynamoDB throttling beyond botocore's retries", first_answer=first, redeliveries=retries,
           payments=len(paid["payments"]), amount_paid_cents=paid["amount_paid_cents"])
    assert first == 500 and retries == [200, 200, 200]  # a 5xx makes Stripe redeliver
    assert (paid["status"], len(paid["payments"]), paid["amount_paid_cents"]) == ("paid", 1, 17500)


def test_a_throttled_invoice_write_is_retried_and_invoices_once(api):
    from tests.integration.payloads import RULE_SET_2027

    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    _seed_members(40)
    run = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027}).json()
    # The worker writes invoices a chunk of members per transaction: the first two are throttled.
    throttled = answer_with_error(store.client(), "TransactWriteItems", "ProvisionedThroughputExceededException",
                                  times=2)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    invoices = [i for i in items("MEMBER#S-") if i["SK"].startswith(keys.INVOICE_PREFIX)]
    state = api.request("GET", f"/admin/invoice-runs/{run['run_id']}", claims=STAFF).json()
    report("DynamoDB throttling during an invoice run", members=40, throttled=throttled["failed"],
           invoices=len(invoices), created=state["invoices_created"], failed=state["failed"])
    assert throttled["failed"] == 2 and throttled["calls"] > 2  # throttled, and botocore tried again
    assert len(invoices) == 40 and len({i["member_id"] for i in invoices}) == 40
    assert (state["status"], state["invoices_created"], state["failed"]) == ("completed", 40, 0)


# ------------------------------------------------------------------ a worker killed mid-batch


class Killed(BaseException):
    """What a Lambda timeout or crash looks like to the code: it stops, nothing else runs."""


def test_an_invoice_worker_killed_mid_batch_is_finished_once_by_the_redelivery(api):
    from tests.integration.payloads import RULE_SET_2027

    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    _seed_members(60)
    run = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027}).json()
    function = template.functions()["InvoiceGenerationFunction"]
    handler = apigw.load_handler(function)
    sqs = boto3.client("sqs")
    url = QUEUES["InvoiceJobQueue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    writes = Counter()

    def kill_before_the_second_write(params: Any, **_: Any) -> None:
        # Invoices are written a chunk of members per transaction: the worker dies
        # after the batch's first chunk committed, before the next.
        puts = [i["Put"]["Item"] for i in params.get("TransactItems", []) if "Put" in i]
        invoices = sum(str(item.get("SK", {}).get("S", "")).startswith(keys.INVOICE_PREFIX) for item in puts)
        if invoices and writes["invoices"]:
            raise Killed()
        writes["invoices"] += invoices

    store.client().meta.events.register("before-parameter-build.dynamodb.TransactWriteItems",
                                         kill_before_the_second_write)
    killed = False
    while not killed:  # deliver shard jobs, then the first batch, until the kill
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0,
                                    MessageSystemAttributeNames=["All"]).get("Messages", [])
        assert batch, "the queue emptied before the worker was killed"
        try:
            response = handler(sqs_event(batch, arn), apigw.LambdaContext("InvoiceGenerationFunction"))
        except Killed:
            killed = True  # the message is not deleted: SQS delivers it again after its visibility timeout
            continue
        for message in records_to_delete(batch, response, True):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    store.client().meta.events.unregister("before-parameter-build.dynamodb.TransactWriteItems",
                                           kill_before_the_second_write)
    before_redelivery = len([i for i in items("MEMBER#S-") if i["SK"].startswith(keys.INVOICE_PREFIX)])
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    invoices = [i for i in items("MEMBER#S-") if i["SK"].startswith(keys.INVOICE_PREFIX)]
    state = api.request("GET", f"/admin/invoice-runs/{run['run_id']}", claims=STAFF).json()
    report("invoice worker killed mid-batch", members=60, invoices_before_redelivery=before_redelivery,
           invoices=len(invoices), members_seen=state["members_seen"],
           created_plus_already=state["invoices_created"] + state["already_invoiced"], status=state["status"])
    assert 0 < before_redelivery == writes["invoices"] < 60  # killed mid-batch: some written, not all
    assert len(invoices) == 60 and len({i["member_id"] for i in invoices}) == 60
    assert state["status"] == "completed" and state["members_seen"] == 60 and state["failed"] == 0


# ------------------------------------------------------------------ Stripe down when a checkout starts


def test_stripe_500_and_timeout_on_checkout_are_502_and_503_and_a_retry_works(invoiced, local_stripe):
    api = invoiced
    path = f"/me/invoices/{INVOICE}/checkout"
    local_stripe.http.faults.append(500)
    broken = api.request("POST", path, claims=member_claims("M-1"), body={})
    local_stripe.http.faults.append(stripe.APIConnectionError("Request timed out"))
    silent = api.request("POST", path, claims=member_claims("M-1"), body={})
    retried = api.request("POST", path, claims=member_claims("M-1"), body={})
    report("Stripe 500 and a timeout on checkout", answers=[broken.status, silent.status, retried.status],
           sessions_created=len(local_stripe.stripe.sessions))
    assert broken.status == 502 and broken.json()["error"]["code"] == "payment_provider_error"
    assert silent.status == 503 and silent.json()["error"]["code"] == "payment_provider_unavailable"
    assert retried.status == 200 and len(local_stripe.stripe.sessions) == 1
    assert invoice(api)["status"] == "open"
