"""Renewal deadlines: the daily schedule and `POST /admin/deadline-runs` start a
run (202); the deadline-job queue's messages (one page of one year's incomplete
renewals each) write the reinstatement fee lines and send the notices, each once."""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

import json
from typing import Annotated

# Before anything loads pydantic: with pydantic already loaded, Powertools' batch
# module also loads every parser record model (bench/: ~15 ms of cold start).
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response  # noqa: I001

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import deadlines, paging
from renewal.api import create_app, errors, handle, principal, responses
from renewal.auth import NAAEI, Principal
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "DEADLINE_JOB_QUEUE_URL")

logger = Logger()
app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)


@app.post("/admin/deadline-runs", summary="Start today's deadline run (or answer today's, while it runs)",
          responses=responses(deadlines.DeadlineRunStarted, {}, status=202, description="The run started"))
def start_run() -> tuple[deadlines.DeadlineRunStarted, int]:
    run = deadlines.start_run(principal(app))
    return deadlines.DeadlineRunStarted(run_id=run.run_id, status=run.status), 202


@app.get("/admin/deadline-runs", summary="Deadline runs, newest first")
def list_runs(
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> deadlines.DeadlineRunList:
    return deadlines.list_runs(principal(app), limit, next_token)


@app.get("/admin/deadline-runs/<run_id>", summary="Progress of a deadline run",
         responses=responses(deadlines.DeadlineRun, {404: "No such deadline run"}))
def get_run(run_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")]) -> deadlines.DeadlineRun:
    return deadlines.get_run(principal(app), run_id)


def record_handler(record: SQSRecord) -> None:
    deadlines.process_page(json.loads(record.body))


# The schedule acts as the institute itself.
SCHEDULER = Principal(sub="daily-deadline-schedule", groups=frozenset({NAAEI}))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "routeKey" in event:
        return handle(app, event, context)
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    # The daily schedule.
    return deadlines.begin(actor=SCHEDULER).model_dump(mode="json")


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
