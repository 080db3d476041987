"""Dead letters: every dead-letter queue of the stack (queue messages that failed
every delivery, scheduled invocations that failed every attempt) is read here;
each message is recorded, its run marked failed, and counted for the alarm.

Invoked directly with `{"replay": "<kind>"}` it sends the recorded messages of
that kind back to their queue (docs/operations.md).
"""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response  # noqa: I001

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import dead_letters
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require(
    "TABLE_NAME", "INVOICE_JOB_QUEUE_URL", "CEC_SUBMISSION_QUEUE_URL", "EMAIL_QUEUE_URL", "IMPORTS_BUCKET",
)

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)

# Where Lambda (asynchronous invocations) and EventBridge Scheduler put the error.
ERROR_ATTRIBUTES = ("ErrorMessage", "ERROR_MESSAGE", "ErrorCode", "ERROR_CODE")


def record_handler(record: SQSRecord) -> None:
    attributes = record.message_attributes
    error = next((attributes[name].string_value for name in ERROR_ATTRIBUTES
                  if name in attributes and attributes[name].string_value), None)
    source = record.event_source_arn.rsplit(":", 1)[-1]
    dead_letters.receive(record.body, source=source, error=error, message_id=record.message_id)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    return dead_letters.replay(str(event["replay"]))


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
