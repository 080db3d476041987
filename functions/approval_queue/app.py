"""Approval queue: automatic checks on each queued CEC submission (SQS, partial
batch failures), and the schedule that re-sends submissions whose queue
message could not be sent when they were accepted."""

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

from renewal import approval, submissions
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "CEC_SUBMISSION_QUEUE_URL")

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    approval.process(message["member_id"], message["submission_id"])


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    return {"resent": submissions.sweep_outbox()}


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
