"""Report exports: `POST /admin/exports` (202) and `GET /admin/exports/{id}`;
the export-job queue's messages write each CSV to S3."""

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
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import config, exports
from renewal.api import create_app, handle, principal, responses

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "EXPORT_JOB_QUEUE_URL", "EXPORTS_BUCKET")

logger = Logger()
app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)


@app.post("/admin/exports", summary="Start a CSV export of a report, of any size",
          responses=responses(exports.ExportStarted, {422: "A bad request, or no rule set for the year"}, status=202,
                              description="The export started"))
def start_export(request: Annotated[exports.ExportIn, Body()]) -> tuple[exports.ExportStarted, int]:
    return exports.start_export(principal(app), request), 202


@app.get("/admin/exports/<export_id>", summary="An export's progress, and its file's link once completed",
         responses=responses(exports.Export, {404: "No such export"}))
def get_export(export_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")]) -> exports.Export:
    return exports.get_export(principal(app), export_id)


def record_handler(record: SQSRecord) -> None:
    job = json.loads(record.body)
    try:
        exports.process(job)
    except Exception:
        if int(record.attributes.approximate_receive_count) >= config.export_job_max_receives():
            exports.fail(job)  # last delivery: the export says so; the message goes to the DLQ
        raise


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "routeKey" in event:
        return handle(app, event, context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
