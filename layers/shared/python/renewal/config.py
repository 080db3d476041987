"""Settings read from the environment (template.yaml sets them in AWS; the local
stack sets the same names)."""

from __future__ import annotations

import os


def table_name() -> str:
    return os.environ.get("TABLE_NAME", "renewal")


def stage() -> str:
    return os.environ.get("STAGE", "local")


def invoice_job_queue_url() -> str:
    return os.environ.get("INVOICE_JOB_QUEUE_URL", "")


def invoice_job_max_receives() -> int:
    """The invoice-job queue's maxReceiveCount: on the last delivery a failing
    batch is counted as failed before it goes to the dead-letter queue."""
    return int(os.environ.get("INVOICE_JOB_MAX_RECEIVES", "3"))


def sender_email() -> str:
    return os.environ.get("SENDER_EMAIL", "renewals@example.org")
