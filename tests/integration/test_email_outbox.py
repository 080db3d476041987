"""Every e-mail through one outbox: written with the change it follows, handed to
the e-mail queue by the table's stream (the outbox pipe), sent by the e-mail
sender once each, whatever is cut short, throttled or delivered twice."""

import datetime as dt
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from local import apigw, template
from local.sqs import records_to_delete, sqs_event
from renewal import clock, emails, invoice_runs, keys
from renewal.adapters import notify, store
from tests.integration import conftest
from tests.integration.conftest import QUEUES, drain, sent_emails
from tests.integration.test_dead_letters import alarms_from, invoke
from tests.integration.test_invoice_runs import member, seed_era, start  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("seed_era")


def ses_messages():
    """What SES accepted so far, without running the outbox first."""
    from moto.backends import get_backend

    return get_backend("ses")["123456789012"]["us-east-1"].sent_messages


def outbox_item(email_id):
    return store.get(keys.email_key(email_id))


def invoice_notices(members):
    return {keys.notice_email_id(2027, m, "invoice_issued") for m in members}


def queue_depth(name):
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=QUEUES[name], AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                               "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_an_invoice_run_writes_its_notices_and_the_sender_sends_each_once(api):
    for n in range(3):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")

    # Written to the outbox with the run; nothing has gone to SES yet.
    assert ses_messages() == []
    for email_id in invoice_notices(["M-0", "M-1", "M-2"]):
        assert outbox_item(email_id)["status"] == "pending"

    assert conftest.OUTBOX_PIPE.pump() == 3  # one queue message per new e-mail, nothing else
    drain("EmailQueue", "EmailSenderFunction")
    mails = sent_emails()
    assert sorted(m["to"][0] for m in mails) == ["m-0@example.org", "m-1@example.org", "m-2@example.org"]
    assert all("2027 credential renewal invoice" in m["subject"] and m["text"].startswith("Dear Ana,")
               for m in mails)
    sent = outbox_item(keys.notice_email_id(2027, "M-1", "invoice_issued"))
    assert sent["status"] == "sent" and sent["ses_message_id"] and "lease_until" not in sent

    # A second message for a sent e-mail (SQS delivers at least once) sends nothing.
    boto3.client("sqs").send_message(QueueUrl=QUEUES["EmailQueue"], MessageBody=json.dumps(
        {"kind": "email", "pk": keys.email_key(keys.notice_email_id(2027, "M-1", "invoice_issued"))["PK"]}))
    assert len(sent_emails()) == 3


@pytest.mark.parametrize("cut", ["before the e-mails are written", "after, before the batch counts"])
def test_a_batch_cut_short_writes_each_notice_once_when_it_comes_again(api, monkeypatch, cut):
    for n in range(4):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    cuts = []
    target, name = (emails, "write_all") if cut.startswith("before") else (invoice_runs, "_count_batch")
    real = getattr(target, name)

    def cut_once(*args, **kwargs):
        if not cuts:  # the first delivery dies here (a timeout would do the same)
            cuts.append(name)
            raise TimeoutError("Task timed out")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, cut_once)
    run_id = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")

    assert cuts and store.get(keys.run_key(run_id))["status"] == "completed"
    mails = sent_emails()
    assert sorted(m["to"][0] for m in mails) == [f"m-{n}@example.org" for n in range(4)]


def test_throttled_emails_are_queued_again_and_sent_when_ses_accepts(api, monkeypatch, capsys):
    member(api, "M-1", ("CAM", "2019-05-04"))
    ses = notify.client()
    real_send = ses.send_email
    throttled = []

    def throttling(**request):
        if len(throttled) < 2:
            throttled.append(request["Destination"])
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                              "SendEmail")
        return real_send(**request)

    monkeypatch.setattr(ses, "send_email", throttling)
    monkeypatch.setattr(emails, "RETRY_DELAYS", (0,))  # SQS delays the copy; here it comes back at once
    capsys.readouterr()
    from renewal import notices

    assert notices.tell_member("M-1", "Your CEC form was verified", "Your affiliate verified your form.")

    mails = sent_emails()

    assert len(throttled) == 2
    assert [(m["to"], m["subject"]) for m in mails] == [(["m-1@example.org"], "Your CEC form was verified")]
    assert mails[0]["text"] == "Dear Ana,\n\nYour affiliate verified your form.\n\nThe credential renewal team"
    printed = capsys.readouterr().out
    assert printed.count("\"EmailsThrottled\":[") == 2 and "\"EmailsSent\":[" in printed
    assert alarms_from(printed)["EmailThrottledAlarm"] == "ALARM"


def test_a_send_cut_short_after_the_claim_goes_out_once_its_message_comes_back(api, monkeypatch):
    member(api, "M-1", ("CAM", "2019-05-04"))
    from renewal import notices

    notices.tell_member("M-1", "Receipt", "We received your payment.")
    conftest.OUTBOX_PIPE.pump()

    class Killed(BaseException):
        """The Lambda timing out: nothing after it runs, not even `finally` blocks that matter."""

    function = template.functions()["EmailSenderFunction"]
    handler = apigw.load_handler(function)
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=QUEUES["EmailQueue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def deliver_once():
        batch = sqs.receive_message(QueueUrl=QUEUES["EmailQueue"], VisibilityTimeout=0,
                                    MessageSystemAttributeNames=["All"]).get("Messages", [])
        assert len(batch) == 1
        response = handler(sqs_event(batch, arn), apigw.LambdaContext("EmailSenderFunction"))
        for message in records_to_delete(batch, response, True):
            sqs.delete_message(QueueUrl=QUEUES["EmailQueue"], ReceiptHandle=message["ReceiptHandle"])

    real_send = notify.send
    monkeypatch.setattr(notify, "send", lambda *a: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):
        deliver_once()  # claimed, then cut short: the message stays on the queue
    monkeypatch.setattr(notify, "send", real_send)
    assert store.get(keys.email_key(_only_email_id()))["status"] == "sending"

    deliver_once()  # back at once: the lease still holds, so it is not sent twice...
    assert ses_messages() == [] and queue_depth("EmailQueue") == 1  # ...and the message stays

    later = clock.now() + dt.timedelta(seconds=emails.LEASE_SECONDS + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    deliver_once()  # the lease has run out, as it has when the visibility timeout brings it back

    assert [m.destinations["ToAddresses"] for m in ses_messages()] == [["m-1@example.org"]]
    assert queue_depth("EmailQueue") == 0


def _only_email_id():
    (item,) = _outbox_items()
    return item["email_id"]


def _outbox_items():
    dynamodb = boto3.client("dynamodb")
    found = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=conftest.TABLE):  # test-only look at the table
        found += [store.from_item(i) for i in page["Items"] if i["PK"]["S"].startswith(keys.MAIL_PREFIX)]
    return found


def test_an_email_that_fails_every_delivery_is_recorded_failed_alarmed_and_replayed(api, monkeypatch, capsys):
    member(api, "M-1", ("CAM", "2019-05-04"))
    from renewal import notices

    notices.tell_member("M-1", "Your waiver request was approved", "Welcome to emeritus status.")
    ses = notify.client()
    real_send = ses.send_email

    def refusing(**request):
        raise ClientError({"Error": {"Code": "MailFromDomainNotVerifiedException", "Message": "not verified"}},
                          "SendEmail")

    monkeypatch.setattr(ses, "send_email", refusing)
    conftest.OUTBOX_PIPE.pump()
    drain("EmailQueue", "EmailSenderFunction")  # five receives, then the queue's redrive moves it on
    capsys.readouterr()
    assert drain("EmailDLQ", "DeadLetterFunction") == 1

    item = store.get(keys.email_key(_only_email_id()))
    assert item["status"] == "failed" and "lease_until" not in item
    assert alarms_from(capsys.readouterr().out)["DeadLetterAlarm"] == "ALARM"

    # The identity fixed: the operator replays the e-mails that dead-lettered.
    monkeypatch.setattr(ses, "send_email", real_send)
    assert invoke("DeadLetterFunction", {"replay": "email"}) == {"kind": "email", "replayed": 1}
    mails = sent_emails()
    assert [m["subject"] for m in mails] == ["Your waiver request was approved"]
    assert store.get(keys.email_key(_only_email_id()))["status"] == "sent"


def test_a_message_goes_to_the_address_on_file_when_it_is_sent(api):
    member(api, "M-1", ("CAM", "2019-05-04"))
    from renewal import notices

    notices.tell_member("M-1", "Receipt", "We received your payment.")
    moved = api.request("PATCH", "/me/contact", claims=conftest.member_claims("M-1"),
                        body={"email": "ana.new@example.org"})
    assert moved.status == 200, moved.text

    assert [m["to"] for m in sent_emails()] == [["ana.new@example.org"]]


def test_no_address_no_send(api):
    member(api, "M-1", ("CAM", "2019-05-04"))
    store.update(keys.member_key("M-1"), "REMOVE contact.email")
    from renewal import notices

    notices.tell_member("M-1", "Receipt", "We received your payment.")

    assert sent_emails() == []
    assert store.get(keys.email_key(_only_email_id()))["status"] == "failed"


def test_ses_throttling_during_an_invoice_run_leaves_every_invoice_and_each_notice_goes_later_once(api, monkeypatch):
    for n in range(4):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    ses = notify.client()
    real_send = ses.send_email
    throttled = []

    def throttling(**request):
        if len(throttled) < 3:  # SES refuses the first three sends of the run's notices
            throttled.append(request["Destination"]["ToAddresses"][0])
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                              "SendEmail")
        return real_send(**request)

    monkeypatch.setattr(ses, "send_email", throttling)
    monkeypatch.setattr(emails, "RETRY_DELAYS", (0,))  # SQS delays the copy; here it comes back at once
    run_id = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")

    run = store.get(keys.run_key(run_id))
    assert run["status"] == "completed" and int(run["invoices_created"]) == 4
    mails = sent_emails()
    assert len(throttled) == 3
    assert sorted(m["to"][0] for m in mails) == [f"m-{n}@example.org" for n in range(4)]
    # The invoices stand as the run wrote them: throttled mail never undoes the money.
    assert [store.get(keys.invoice_key(2027, f"M-{n}"))["total_cents"] for n in range(4)] == [17500] * 4
