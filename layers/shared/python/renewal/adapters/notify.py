"""The notifier: e-mails through SES. Only the e-mail sender calls it (renewal.emails):
everything else writes to the outbox."""

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


def send(to: str, subject: str, text: str) -> str:
    """Sends one e-mail; returns SES's message id."""
    request = {
        "Source": config.sender_email(),
        "Destination": {"ToAddresses": [to]},
        "Message": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
    }
    if config.ses_configuration_set():
        # Bounces and complaints suppress the address; reputation metrics per set.
        request["ConfigurationSetName"] = config.ses_configuration_set()
    try:
        response = client().send_email(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] in THROTTLING_CODES:
            telemetry.count(telemetry.EMAILS_THROTTLED)
            raise Throttled(error.response["Error"].get("Message", "")) from error
        telemetry.count(telemetry.EMAILS_FAILED)
        raise
    telemetry.count(telemetry.EMAILS_SENT)
    return str(response.get("MessageId", ""))
