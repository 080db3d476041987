"""E-mail sender: drains the e-mail queue at the configured send rate (SES's
quota, shared by the senders), one e-mail at a time: claim, send, record
(renewal.emails). Throttled e-mails are queued again with a delay; anything
else fails the record, which the queue retries and then dead-letters."""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import emails
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "SENDER_EMAIL", "EMAIL_QUEUE_URL")

logger = Logger()
# A batch whose every e-mail is held by another sender (or failed and counted in
# EmailsFailed) is no crash of this function: its messages simply come back later.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    return emails.handle(json.loads(record.body))


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
