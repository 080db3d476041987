"""Invoice generation: the annual schedule and `POST /admin/invoice-runs` start a
run; the invoice-job queue's messages (shards, then batches of members) do it."""

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
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from renewal import invoice_runs, paging
from renewal.api import create_app, errors, handle, principal, responses
from renewal.rules import RenewalYear
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "INVOICE_JOB_QUEUE_URL")

logger = Logger()
app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)


class InvoiceRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    renewal_year: RenewalYear


@app.post("/admin/invoice-runs", status_code=202, summary="Start an invoice run for a renewal year")
def start_run(request: Annotated[InvoiceRunRequest, Body()]) -> tuple[invoice_runs.InvoiceRunStarted, int]:
    run = invoice_runs.start_run(principal(app), request.renewal_year)
    return invoice_runs.InvoiceRunStarted(run_id=run.run_id, status=run.status), 202


@app.get("/admin/invoice-runs", summary="Invoice runs, newest first")
def list_runs(
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> invoice_runs.InvoiceRunList:
    return invoice_runs.list_runs(principal(app), limit, next_token)


@app.get("/admin/invoice-runs/<run_id>", summary="Progress of an invoice run",
         responses=responses(invoice_runs.InvoiceRun, {404: "No such invoice run"}))
def get_run(run_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")]) -> invoice_runs.InvoiceRun:
    return invoice_runs.get_run(principal(app), run_id)


def record_handler(record: SQSRecord) -> None:
    invoice_runs.process_job(json.loads(record.body), receive_count=int(record.attributes.approximate_receive_count))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "routeKey" in event:
        return handle(app, event, context)
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    # The annual schedule (1 October by default) invoices the next renewal year.
    return invoice_runs.start_scheduled(event).model_dump()


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
