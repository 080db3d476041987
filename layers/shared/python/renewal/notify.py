"""The notifier: e-mails to members through SES."""

from __future__ import annotations

import functools

import boto3

from renewal import config


@functools.cache
def client():
    return boto3.client("ses")


def reset() -> None:
    client.cache_clear()


def send(to: str, subject: str, text: str) -> None:
    client().send_email(
        Source=config.sender_email(),
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
    )
