"""CEC sign-off and review: affiliate offices credit class rosters and sign
CEC Reporting Forms (`/affiliate`); institute reviewers decide submissions
(`/review`)."""

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

from renewal import approval, directory, forms, paging, rosters, submissions
from renewal.api import create_app, errors, handle, principal
from renewal.members import ID_PATTERN
from renewal import telemetry
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "DOCUMENTS_BUCKET")

logger = Logger()
app = create_app()


@app.post("/affiliate/classes/<class_id>/roster", summary="Credit a class's attendees of the caller's affiliate")
def post_roster(class_id: Annotated[str, Path(pattern=ID_PATTERN)],
                roster: Annotated[rosters.Roster, Body()]) -> rosters.RosterResult:
    return rosters.post_roster(principal(app), class_id, roster)


@app.get("/affiliate/members", summary="The affiliate's own members: all of them by name, or those matching q")
def affiliate_members(
    q: Annotated[str | None, Query(max_length=254, description="Start of a member id or name, or an e-mail")] = None,
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> directory.MemberSearch:
    return directory.affiliate_members(principal(app), q, limit, next_token)


@app.get("/affiliate/cec-forms", summary="The affiliate's members' CEC forms by status, oldest first")
def affiliate_forms(
    status: Annotated[forms.FormStatus, Query()] = "awaiting_affiliate",
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> forms.FormList:
    return forms.affiliate_queue(principal(app), status, limit, next_token)


@app.post("/affiliate/cec-forms/<form_id>/decision", responses=errors(409), summary="Verify and sign, or reject, a member's CEC form")
def decide_form(form_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")],
                decision: Annotated[forms.Decision, Body()]) -> forms.Form:
    return forms.decide(principal(app), form_id, decision)


@app.get("/review/cec-submissions", summary="CEC submissions by status, oldest first")
def review_queue(
    status: Annotated[submissions.SubmissionStatus, Query()] = "in_review",
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> approval.SubmissionList:
    return approval.review_queue(principal(app), status, limit, next_token)


@app.post("/review/cec-submissions/<submission_id>/decision", responses=errors(409), summary="Approve or reject a CEC submission")
def decide_submission(submission_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")],
                      decision: Annotated[approval.ReviewDecision, Body()]) -> submissions.Submission:
    decided = approval.decide(principal(app), submission_id, decision)
    telemetry.count(telemetry.SUBMISSIONS_DECIDED)
    return decided


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
