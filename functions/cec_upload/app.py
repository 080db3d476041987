"""CEC upload: documents, CEC Reporting Forms and submissions (`/me/uploads`,
`/me/cec-forms`, `/me/cec-submissions`)."""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import forms, paging, submissions, uploads
from renewal.api import create_app, errors, handle, principal
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "CEC_SUBMISSION_QUEUE_URL", "DOCUMENTS_BUCKET")

logger = Logger()
app = create_app()

RecordId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")]
Limit = Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)]


@app.post("/me/uploads", responses=errors(409, success=201), summary="A presigned S3 POST for a scanned CEC document (PDF, PNG, JPEG; 10 MB)")
def start_upload(request: Annotated[uploads.UploadRequest, Body()]) -> tuple[uploads.Upload, int]:
    return uploads.start_upload(principal(app), request), 201


@app.post("/me/cec-forms", status_code=201, summary="Fill in a CEC Reporting Form for the affiliate office to sign")
def create_form(form: Annotated[forms.FormIn, Body()]) -> tuple[forms.Form, int]:
    return forms.create_form(principal(app), form), 201


@app.get("/me/cec-forms", summary="The caller's CEC Reporting Forms")
def list_forms(limit: Limit = paging.DEFAULT_LIMIT,
               next_token: Annotated[str | None, Query()] = None) -> forms.FormList:
    return forms.list_own_forms(principal(app), limit, next_token)


@app.get("/me/cec-forms/<form_id>", summary="One of the caller's CEC Reporting Forms")
def get_form(form_id: RecordId) -> forms.Form:
    return forms.get_own_form(principal(app), form_id)


@app.post("/me/cec-submissions", status_code=202, summary="Submit signed forms for the institute's approval")
def submit(request: Annotated[submissions.SubmissionIn, Body()]) -> tuple[submissions.SubmissionAccepted, int]:
    return submissions.submit(principal(app), request), 202


@app.get("/me/cec-submissions", summary="The caller's CEC submissions, newest first")
def list_submissions(limit: Limit = paging.DEFAULT_LIMIT,
                     next_token: Annotated[str | None, Query()] = None) -> submissions.SubmissionList:
    return submissions.list_own_submissions(principal(app), limit, next_token)


@app.get("/me/cec-submissions/<submission_id>", summary="One of the caller's CEC submissions")
def get_submission(submission_id: RecordId) -> submissions.Submission:
    return submissions.get_own_submission(principal(app), submission_id)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
