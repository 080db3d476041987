"""The season's business metrics, in CloudWatch through Powertools Metrics
(embedded metric format: written to the log, no API call on the request path).

The names below are the ones template.yaml's alarms and dashboard watch; every
handler is wrapped in `metrics.log_metrics`, which flushes them at the end of
each invocation.
"""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics()

PAYMENTS_APPLIED = "PaymentsApplied"
PAYMENTS_FLAGGED = "PaymentsFlagged"
INVOICES_CREATED = "InvoicesCreated"
RUNS_FAILED = "RunsFailed"
SUBMISSIONS_DECIDED = "SubmissionsDecided"
EMAILS_SENT = "EmailsSent"
EMAILS_FAILED = "EmailsFailed"
EMAILS_THROTTLED = "EmailsThrottled"
DEAD_LETTERS = "DeadLetters"

NAMES = (PAYMENTS_APPLIED, PAYMENTS_FLAGGED, INVOICES_CREATED, RUNS_FAILED, SUBMISSIONS_DECIDED, EMAILS_SENT,
         EMAILS_FAILED, EMAILS_THROTTLED, DEAD_LETTERS)


def count(name: str, value: int = 1) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_payment(result: str | None) -> None:
    """A payment outcome as the payment service reports it (applied, flagged, duplicate)."""
    if result == "applied":
        count(PAYMENTS_APPLIED)
    elif result == "flagged":
        count(PAYMENTS_FLAGGED)
