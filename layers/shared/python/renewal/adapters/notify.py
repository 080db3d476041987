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


def send_after_commit(to: str | None, subject: str, text: str) -> bool:
    """For e-mails that follow a committed change: a failure is logged, never
    turned into an error for a change that already happened."""
    if not to:
        return False
    try:
        send(to, subject, text)
        return True
    except Exception:
        from aws_lambda_powertools import Logger

        Logger().exception("e-mail not sent", extra={"subject": subject})
        return False
