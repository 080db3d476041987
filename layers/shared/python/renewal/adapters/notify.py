"""The notifier: e-mails to members through SES."""

from __future__ import annotations

import functools

import boto3
from botocore.exceptions import ClientError

from renewal import config, telemetry


@functools.cache
def client():
    return boto3.client("ses")


def reset() -> None:
    client.cache_clear()


class Throttled(Exception):
    """SES refused the message for the account's sending rate or daily quota: try again later."""


# SES's answers when the account's sending rate or daily quota is exceeded.
THROTTLING_CODES = ("Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException")


def send(to: str, subject: str, text: str) -> None:
    try:
        client().send_email(
            Source=config.sender_email(),
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] in THROTTLING_CODES:
            telemetry.count(telemetry.EMAILS_THROTTLED)
            raise Throttled(error.response["Error"].get("Message", "")) from error
        telemetry.count(telemetry.EMAILS_FAILED)
        raise
    telemetry.count(telemetry.EMAILS_SENT)


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
