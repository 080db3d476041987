"""Every e-mail the stack sends goes through one outbox.

Writing. An e-mail is an item of the table (`MAIL#{email_id}`), written in the
same write as the change it follows (a notice's claim on its invoice), or
right after it (a receipt, a decision). That is all a writer does: the
table's stream hands every new outbox item to the e-mail queue (the pipe in
template.yaml), so an e-mail written is an e-mail queued, whatever becomes of
the function that wrote it. Notices have ids of their own (member, year,
kind), so writing one twice is a no-op.

Sending. The e-mail sender drains the queue at the configured rate (SES's
maximum send rate for the account, shared among the senders), one e-mail at
a time:
  1. it claims the e-mail with a lease (a conditional update: pending, failed,
     or a lease that ran out), so two deliveries of one message never both send;
  2. it reads the member's address as it is now (and the first name, for a
     message written as a body only), then waits for its turn under the rate;
  3. it sends through SES and records the e-mail sent.
A send cut short between claim and send (a timeout) leaves its lease to run
out; the queue delivers the message again after its visibility timeout, which
is longer than the lease, and the e-mail is claimed and sent then. SES
throttling puts the e-mail back and re-queues its message with a growing
delay (never dead-lettered: the quota comes back); any other failure is
retried by the queue and then dead-lettered (recorded, alarmed, replayable).
Delivery is at least once: a sender that dies after SES accepted a message
and before recording it sends it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_lambda_powertools import Logger

from renewal import clock, config, keys
from renewal.adapters import notify, queue, store

logger = Logger()

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# Longer than one send can take (the sender's timeout, 60 s), shorter than the
# queue's visibility timeout (360 s): a message that comes back finds it expired.
LEASE_SECONDS = 120
# Sent e-mails are kept this long (what was sent, when, SES's message id), then expire.
KEEP_SENT_DAYS = 180
# Throttled e-mails come back after these delays (then the last, until SES accepts):
# seconds, at most SQS's 900.
RETRY_DELAYS = (30, 60, 120, 300, 600, 900)
# E-mails checked with one BatchGetItem (DynamoDB's limit is 100 keys).
WRITE_CHUNK = 100


# ---------------------------------------------------------------- writing


def record(email_id: str, member_id: str, subject: str, *, text: str | None = None, body: str | None = None,
           kind: str = "message") -> dict[str, Any]:
    """An outbox item: to a member, with the whole `text`, or a `body` the sender
    wraps in the member's letter (greeting and signature) when it sends."""
    if (text is None) == (body is None):
        raise ValueError("an e-mail has either its text or a body")
    item: dict[str, Any] = {**keys.email_key(email_id), "email_id": email_id, "member_id": member_id,
                            "kind": kind, "subject": subject, "status": PENDING, "created_at": clock.now_iso()}
    item["text" if text is not None else "body"] = text if text is not None else body
    return item


def put_op(item: Mapping[str, Any]) -> dict[str, Any]:
    """The outbox write, for a transaction with the change the e-mail follows."""
    return store.put_op(item, condition="attribute_not_exists(PK)")


def write(item: Mapping[str, Any]) -> bool:
    """Writes one e-mail; False if it was written before (same id)."""
    try:
        store.put(item, condition="attribute_not_exists(PK)")
        return True
    except store.ConditionFailed:
        return False


def write_all(items: Sequence[Mapping[str, Any]]) -> int:
    """Writes many e-mails, skipping those written before (a batch delivered
    again): one BatchGetItem and BatchWriteItems per hundred. Returns how many are new.

    Not a transaction: a write that races a second delivery of the same batch
    finds the item there and its put is a MODIFY, which the outbox pipe ignores
    (it queues INSERTs only), so no e-mail is queued twice."""
    written = 0
    for start in range(0, len(items), WRITE_CHUNK):
        chunk = items[start:start + WRITE_CHUNK]
        there = {found["email_id"] for found in store.batch_get([keys.email_key(i["email_id"]) for i in chunk])}
        new = [item for item in chunk if item["email_id"] not in there]
        store.batch_write(puts=new)
        written += len(new)
    return written


# ---------------------------------------------------------------- sending


class InFlight(Exception):
    """Another sender holds the e-mail's lease: its message comes back later."""


class Pace:
    """Spaces this sender's sends so that it never exceeds its share of the rate
    (one send every 1/rate seconds; no burst beyond that)."""

    def __init__(self, per_second: float, *, now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if per_second <= 0:
            raise ValueError("the send rate must be positive")
        self.interval = 1.0 / per_second
        self._now, self._sleep = now, sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self._now()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def hold(self, seconds: float) -> None:
        """No send for `seconds` (SES said the rate was exceeded)."""
        self._next = max(self._next, self._now() + seconds)


_pace: Pace | None = None


def pace() -> Pace:
    global _pace
    if _pace is None:
        _pace = Pace(config.email_send_rate() / max(1, config.email_senders()))
    return _pace


def _epoch() -> int:
    return int(clock.now().timestamp())


def handle(message: Mapping[str, Any]) -> str:
    """One message of the e-mail queue (`{"kind": "email", "pk": "MAIL#..."}`).
    Returns what became of the e-mail; raises for the queue to retry."""
    email_id = keys.email_id_of(str(message["pk"]))
    try:
        return deliver(email_id)
    except notify.Throttled:
        attempt = int(message.get("attempt", 0)) + 1
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        pace().hold(1.0)
        queue.send(config.email_queue_url(), {**message, "attempt": attempt}, delay_seconds=delay)
        logger.warning("e-mail throttled; queued again", extra={"email_id": email_id, "attempt": attempt,
                                                                 "delay_s": delay})
        return "throttled"


def deliver(email_id: str) -> str:
    """Claims, sends and records one e-mail: 'sent', 'done' (sent before, or no
    such e-mail) or 'undeliverable' (the member has no address)."""
    item = _claim(email_id)
    if item is None:
        return "done"
    profile = store.get(keys.member_key(item["member_id"]), consistent=False) or {}
    to = (profile.get("contact") or {}).get("email")
    if not to:
        logger.warning("e-mail not sent: no address", extra={"email_id": email_id, "member_id": item["member_id"]})
        _finish(email_id, FAILED, {"error": "the member has no e-mail address"})
        return "undeliverable"
    if "text" in item:
        text = item["text"]
    else:
        from renewal import notices  # the letter's form is the notices' (greeting, signature)

        text = notices.letter(profile.get("first_name", ""), item["body"])
    pace().wait()
    try:
        message_id = notify.send(to, item["subject"], text)
    except Exception:
        # Given back at once: the message's next delivery (or its re-queued copy) claims it again.
        _release(email_id)
        raise
    _finish(email_id, SENT, {"sent_at": clock.now_iso(), "ses_message_id": message_id,
                             "expires_at": _epoch() + KEEP_SENT_DAYS * 86400})
    return "sent"


def _claim(email_id: str) -> dict[str, Any] | None:
    now = _epoch()
    try:
        return store.update(
            keys.email_key(email_id),
            "SET #status = :sending, lease_until = :until, attempts = if_not_exists(attempts, :zero) + :one",
            condition="attribute_exists(PK) AND (#status IN (:pending, :failed) OR "
                      "(#status = :sending AND lease_until < :now))",
            names={"#status": "status"},
            values={":sending": SENDING, ":until": now + LEASE_SECONDS, ":zero": 0, ":one": 1,
                    ":pending": PENDING, ":failed": FAILED, ":now": now},
            returns="ALL_NEW",
        )
    except store.ConditionFailed as lost:
        if lost.old is None:
            logger.warning("no such e-mail in the outbox", extra={"email_id": email_id})
            return None
        if lost.old.get("status") == SENDING:
            raise InFlight(email_id) from lost
        return None  # sent already: a second message for it


def _release(email_id: str) -> None:
    store.update(keys.email_key(email_id), "SET #status = :pending REMOVE lease_until",
                 condition="#status = :sending", names={"#status": "status"},
                 values={":pending": PENDING, ":sending": SENDING})


def _finish(email_id: str, status: str, fields: Mapping[str, Any]) -> None:
    names = {"#status": "status", **{f"#{n}": n for n in fields}}
    values = {":status": status, **{f":{n}": v for n, v in fields.items()}}
    store.update(keys.email_key(email_id),
                 "SET #status = :status, " + ", ".join(f"#{n} = :{n}" for n in fields) + " REMOVE lease_until",
                 names=names, values=values)


def dead_lettered(message: Mapping[str, Any], error: str) -> None:
    """An e-mail whose message failed every delivery: recorded failed (a replay sends it again)."""
    try:
        email_id = keys.email_id_of(str(message.get("pk", "")))
    except ValueError:
        return
    try:
        store.update(keys.email_key(email_id), "SET #status = :failed, #error = :error REMOVE lease_until",
                     condition="attribute_exists(PK) AND #status <> :sent",
                     names={"#status": "status", "#error": "error"},
                     values={":failed": FAILED, ":error": error[:1000], ":sent": SENT})
    except store.ConditionFailed:
        pass  # sent after all, or gone
