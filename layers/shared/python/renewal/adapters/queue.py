"""The SQS adapter: messages carry ids, not state."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import boto3


@functools.cache
def client():
    return boto3.client("sqs")


def reset() -> None:
    client.cache_clear()


class SendFailed(Exception):
    pass


def send(queue_url: str, message: Mapping[str, Any], *, delay_seconds: int = 0) -> None:
    """One message, invisible for `delay_seconds` (at most 900, SQS's limit)."""
    client().send_message(QueueUrl=queue_url, MessageBody=json.dumps(message, sort_keys=True),
                          DelaySeconds=max(0, min(900, int(delay_seconds))))


def send_all(queue_url: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Sends every message (10 a call); raises SendFailed if any was refused."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        response = client().send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "MessageBody": json.dumps(m, sort_keys=True)} for n, m in enumerate(chunk)],
        )
        if response.get("Failed"):
            raise SendFailed(f"{len(response['Failed'])} messages refused: {response['Failed'][0].get('Message')}")
