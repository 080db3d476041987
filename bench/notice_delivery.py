"""The invoice run's notices through the outbox, the e-mail queue and the e-mail
sender at a set rate, with faults injected (the sequel of `invoice_run.py`, in
the same moto backend, after the run has completed).

What it does:
  1. the outbox pipe (local/pipes.py, as template.yaml declares it) hands every
     new outbox item to the e-mail queue;
  2. two senders (threads, each its own Pace: two Lambda instances, the
     template's EMAIL_SENDERS) run the real EmailSenderFunction handler on SQS
     events of the template's batch size, at --email-rate e-mails a second
     between them;
  3. faults, on the way: SES throttles every THROTTLE_EVERY-th call (the
     e-mail is queued again with a delay), a sender dies between claim and
     send every CRASH_EVERY-th e-mail (its batch stays on the queue and comes
     back after the visibility timeout; the lease has run out by then), and
     every DUPLICATE_EVERY-th message is delivered twice (SQS delivers at least
     once).
It reports the e-mails sent, the faults met, the rate measured (overall, and
the most sends in any one second) against the rate set, and the notices lost
(an invoice whose member got no invoice e-mail) and sent twice: the goal is
none of either, at no more than the set rate.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

THROTTLE_EVERY = 97
CRASH_EVERY = 251
DUPLICATE_EVERY = 113
# The bench's clock is short: a lease of 1 s and a visibility timeout of 2 s keep
# the order AWS has (lease 120 s < visibility 360 s) without waiting minutes.
LEASE_S, VISIBILITY_S, RETRY_DELAY_S = 1, 2, 1
FEED = 200  # stream records the pipe hands the queue at a time (see deliver)


class Killed(BaseException):
    """A sender's Lambda instance dying (a timeout): nothing after it runs."""


class _Serialized:
    """A boto3 client whose calls take turns: moto's in-process backend is not
    thread-safe; DynamoDB, SQS and SES apply each call atomically anyway."""

    def __init__(self, client: Any, lock: threading.RLock):
        self._client, self._lock = client, lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def deliver(table: str, queue_urls: dict[str, str], expected: dict[str, str], rate: float) -> dict[str, Any]:
    """Sends the outbox and checks what arrived. `expected`: member id -> address
    of every member whose invoice was written in the run."""
    import boto3

    from local import apigw, template
    from local.environments import Environments
    from local.pipes import stream_pipes
    from local.sqs import records_to_delete, sqs_event
    from renewal import emails
    from renewal.adapters import notify, queue, store

    lock = threading.RLock()
    function = template.functions()["EmailSenderFunction"]
    (source,) = function.sqs_sources
    senders = int(function.environment["EMAIL_SENDERS"])
    # Each sender its own copy of the handler module (its own batch processor, whose
    # per-batch state two threads sharing one would mix up): two Lambda instances.
    environments = Environments()
    sqs = _Serialized(boto3.client("sqs"), lock)
    queue_url = queue_urls["EmailQueue"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # Every adapter's client takes turns with the others (threads), and SES misbehaves on schedule.
    originals = {adapter: adapter.client for adapter in (store, queue, notify)}
    for adapter in (store, queue):
        wrapped = _Serialized(originals[adapter](), lock)
        adapter.client = lambda wrapped=wrapped: wrapped
    ses = originals[notify]()
    sends: list[float] = []
    faults: Counter[str] = Counter()
    calls = Counter[str]()

    class FaultySes:
        def send_email(self, **request: Any) -> Any:
            with lock:
                calls["ses"] += 1
                if calls["ses"] % CRASH_EVERY == 0:
                    faults["sender died between claim and send"] += 1
                    raise Killed()
                if calls["ses"] % THROTTLE_EVERY == 0:
                    faults["throttled by SES"] += 1
                    from botocore.exceptions import ClientError

                    raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                                      "SendEmail")
                sent = ses.send_email(**request)
                sends.append(time.monotonic())
                return sent

    notify.client = lambda: FaultySes()
    settings = (emails.LEASE_SECONDS, emails.RETRY_DELAYS, emails.pace)
    emails.LEASE_SECONDS, emails.RETRY_DELAYS = LEASE_S, (RETRY_DELAY_S,)
    # Each sender is a Lambda instance of its own, with its own share of the rate.
    local = threading.local()

    def own_pace() -> emails.Pace:
        if not hasattr(local, "pace"):
            local.pace = emails.Pace(rate / senders)
        return local.pace

    emails.pace = own_pace
    try:
        (pipe,) = stream_pipes(table, lambda logical_id: queue_urls[logical_id], boto3)
        pipe.sqs = sqs
        started = time.monotonic()
        # The pipe hands the queue what the stream gained as the senders drain it (a
        # step of FEED records whenever fewer than FEED wait), not all at once: every
        # call to moto's queue costs the queue's length, which made 8,750 queued
        # notices quadratic. What is measured (the pace, nothing lost or doubled) is the same.
        queued = pipe.pump(at_most=FEED)
        feeding = threading.Lock()

        def feed() -> bool:
            """Tops the queue up; False once the stream has nothing more."""
            nonlocal queued
            with feeding:
                if _in_queue(sqs, queue_url) >= FEED:
                    return True
                added = pipe.pump(at_most=FEED)
                queued += added
                return added > 0

        seen = Counter[str]()

        def duplicate_some(batch: list[dict[str, Any]]) -> None:
            """A second copy of every DUPLICATE_EVERY-th message, as SQS may deliver one twice."""
            for message in batch:
                body = json.loads(message["Body"])
                with lock:
                    seen["messages"] += 1
                    copy = not body.get("copy") and seen["messages"] % DUPLICATE_EVERY == 0
                if copy:
                    faults["messages delivered twice"] += 1
                    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({**body, "copy": True}))

        def sender() -> None:
            idle_since = None
            while True:
                batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=source["batch_size"],
                                            VisibilityTimeout=VISIBILITY_S,
                                            MessageSystemAttributeNames=["All"]).get("Messages", [])
                more = feed()
                if not batch:
                    pending = _in_queue(sqs, queue_url) or more
                    if not pending:
                        idle_since = idle_since or time.monotonic()
                        if time.monotonic() - idle_since > VISIBILITY_S + 1:
                            return
                    time.sleep(0.2)
                    continue
                idle_since = None
                duplicate_some(batch)
                try:
                    response = environments.handler(function)(sqs_event(batch, queue_arn),
                                                              apigw.LambdaContext(function.logical_id, 60))
                except Killed:
                    continue  # nothing deleted: the batch comes back after the visibility timeout
                done = records_to_delete(batch, response, source["report_failures"])
                for start in range(0, len(done), 10):
                    sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done[start:start + 10])])

        threads = [threading.Thread(target=sender, name=f"sender-{n}") for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        emails.LEASE_SECONDS, emails.RETRY_DELAYS, emails.pace = settings
        for adapter, factory in originals.items():
            adapter.client = factory

    from moto.backends import get_backend

    received = Counter(m.destinations["ToAddresses"][0] for m in get_backend("ses")["123456789012"]["us-east-1"]
                       .sent_messages if "credential renewal invoice" in m.subject)
    wanted = set(expected.values())
    lost = sorted(wanted - set(received))
    # What became of a lost notice's outbox e-mail, to tell a loss in the code from one in the bench.
    outbox = {item.get("member_id"): item for item in _outbox(table)} if lost else {}
    members_by_address = {address: member for member, address in expected.items()}
    lost_states = [{k: str(v) for k, v in outbox.get(members_by_address.get(a), {}).items()
                    if k in ("status", "attempts", "lease_until", "error", "member_id")} for a in lost[:5]]
    twice = sorted(address for address, n in received.items() if n > 1)
    busiest = _busiest_second(sends)
    measured = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
    return {
        "notices_expected": len(wanted),
        "queued_by_the_pipe": queued,
        "sent": len(sends),
        "faults": dict(faults),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "lost_outbox_states": lost_states,
        "sent_twice": len(twice),
        "sent_twice_examples": twice[:5],
        "rate_set_per_second": rate,
        "senders": senders,
        "rate_measured_per_second": round(measured, 1),
        "most_sends_in_one_second": busiest,
        "seconds": round(elapsed, 1),
        "dead_lettered": _in_queue(sqs, queue_urls["EmailDLQ"]),
        # A second's window may catch one send of the next interval at each edge.
        "pass": not lost and not twice and busiest <= rate + senders and len(sends) == len(wanted),
    }


def _outbox(table: str) -> list[dict[str, Any]]:
    """The invoice e-mails of the outbox (read once, after the run: a Scan is fine here)."""
    import boto3

    from renewal import keys
    from renewal.adapters import store

    items = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table):
        items += [store.from_item(i) for i in page["Items"] if i["PK"]["S"].startswith(keys.MAIL_PREFIX)]
    return [i for i in items if "invoice" in str(i.get("subject", "")).lower()]


def _in_queue(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def _busiest_second(sends: list[float]) -> int:
    """The most sends within any one-second window."""
    busiest, start = 0, 0
    for end, at in enumerate(sends):
        while at - sends[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest
