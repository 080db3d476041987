"""Going live: member files (`/admin/uploads`, `/admin/imports`), the import runs
fanned out over the import-job queue, and sign-in accounts staff link or invite
(`/admin/members/{member_id}/account`)."""

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

from renewal import accounts, imports, members, paging, uploads
from renewal.api import create_app, errors, handle, principal
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "IMPORT_JOB_QUEUE_URL", "IMPORTS_BUCKET", "USER_POOL_ID")

logger = Logger()
app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)


@app.post("/admin/uploads", responses=errors(success=201), summary="Start uploading a member file (CSV, at most 50 MB): an S3 presigned POST")
def start_upload(request: Annotated[imports.ImportUploadRequest, Body()]) -> tuple[uploads.Upload, int]:
    return imports.start_upload(principal(app), request), 201


@app.post("/admin/imports", responses=errors(success=202), summary="Import an uploaded member file (a dry run unless dry_run is false)")
def start_import(request: Annotated[imports.ImportRequest, Body()]) -> tuple[imports.ImportStarted, int]:
    run = imports.start_import(principal(app), request)
    return imports.ImportStarted(import_id=run.import_id, status=run.status), 202


@app.get("/admin/imports", summary="Import runs, newest first")
def list_imports(
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> imports.ImportList:
    return imports.list_imports(principal(app), limit, next_token)


@app.get("/admin/imports/<import_id>", summary="Progress and counts of an import run, and its error file")
def get_import(import_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> imports.ImportRun:
    return imports.get_import(principal(app), import_id)


@app.post("/admin/members/<member_id>/account",
          summary="Link the sign-in account with this e-mail to the member, or invite one")
def link_account(member_id: Annotated[str, Path(pattern=members.ID_PATTERN)],
                 request: Annotated[accounts.AccountRequest | None, Body()] = None) -> accounts.AccountLink:
    return accounts.link_or_invite(principal(app), member_id, request or accounts.AccountRequest())


def record_handler(record: SQSRecord) -> None:
    imports.process_job(json.loads(record.body), receive_count=int(record.attributes.approximate_receive_count))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
