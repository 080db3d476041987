"""Messages that failed every delivery, and scheduled runs that failed every
attempt: nothing of the season fails silently.

Every dead-letter queue of the stack feeds one function. For each message it
  1. records the message (its body, the error, where it came from) in the table,
     once, whatever the number of deliveries;
  2. tells the owner of the work that it was lost, so a run ends `failed`
     instead of staying `running` (`OWNERS`: one line per kind of message);
  3. counts it (metric `DeadLetters`, alarmed).
`replay` sends recorded queue messages back to the queue they came from, for
work that is safe to do again (every consumer here is idempotent).

A message names its kind: queue jobs carry `kind` (`shard`, `members`, ...),
scheduled invocations carry `job` (`annual_invoice_run`, ...), a CEC
submission message carries `submission_id`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from renewal import clock, config, keys, telemetry
from renewal.adapters import queue, store

logger = Logger()


def _invoice_runs(function: str) -> Callable[[Mapping[str, Any], str], None]:
    def call(body: Mapping[str, Any], error: str) -> None:
        from renewal import invoice_runs

        getattr(invoice_runs, function)(body, error)

    return call


# kind -> what to tell its owner. A kind not listed is recorded and counted only.
OWNERS: dict[str, Callable[[Mapping[str, Any], str], None]] = {
    "annual_invoice_run": _invoice_runs("start_dead_lettered"),
    "shard": _invoice_runs("job_dead_lettered"),
    "members": _invoice_runs("job_dead_lettered"),
}

# kind -> the queue (its URL setting) a replay sends the message back to.
REPLAY_QUEUES: dict[str, Callable[[], str]] = {
    "shard": config.invoice_job_queue_url,
    "members": config.invoice_job_queue_url,
    "cec_submission": config.cec_submission_queue_url,
}


def kind_of(body: Mapping[str, Any]) -> str:
    if body.get("kind"):
        return str(body["kind"])
    if body.get("job"):
        return str(body["job"])
    if body.get("submission_id"):
        return "cec_submission"
    return "unknown"


def receive(body_text: str, *, source: str, error: str | None, message_id: str) -> str:
    """One dead-lettered message. Returns its kind. Safe to run again."""
    try:
        body = json.loads(body_text)
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except ValueError:
        body = {"unparsed": body_text}
    kind = kind_of(body)
    error = error or "failed every delivery"
    # The id is the message's content and origin, so a redelivery is recognised.
    letter_id = hashlib.sha256(f"{source}\n{body_text}".encode()).hexdigest()[:32]
    record = {**keys.dead_letter_key(kind, letter_id), "letter_id": letter_id, "kind": kind, "source": source,
              "body": body_text, "error": error[:2000], "message_id": message_id, "received_at": clock.now_iso()}
    try:
        store.put(record, condition="attribute_not_exists(PK)")
    except store.ConditionFailed:
        logger.info("dead letter seen before", extra={"kind": kind, "letter_id": letter_id})
        return kind
    logger.error("dead letter", extra={"kind": kind, "letter_id": letter_id, "source": source, "error": error})
    telemetry.count(telemetry.DEAD_LETTERS)
    owner = OWNERS.get(kind)
    if owner is not None:
        owner(body, error)
    return kind


def replay(kind: str) -> dict[str, Any]:
    """Sends every recorded message of `kind` back to its queue and forgets it."""
    queue_url = REPLAY_QUEUES.get(kind)
    if queue_url is None:
        return {"kind": kind, "replayed": 0, "reason": "not a queue message; run the job again instead"}
    replayed = 0
    for record in list(store.query_all(keys.dead_letters_partition(kind))):
        queue.send_all(queue_url(), [json.loads(record["body"])])
        store.delete({keys.PK: record[keys.PK], keys.SK: record[keys.SK]})
        replayed += 1
    return {"kind": kind, "replayed": replayed}
