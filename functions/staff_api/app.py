"""Institute staff (`/admin`): rule sets, members, offline payments, waivers, reports; and the
affiliate offices' renewal report (`/affiliate/renewals`)."""

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

from renewal import audit, directory, invoices, members, paging, payments, renewals, reports, rules, transcripts, waivers
from renewal.api import create_app, csv_response, errors, handle, principal, responses, wants_csv
from renewal import telemetry
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "DOCUMENTS_BUCKET")

logger = Logger()
app = create_app()

RenewalYear = Annotated[int, Path(ge=2000, le=2100, description="Renewal year, e.g. 2027")]
MemberId = Annotated[str, Path(pattern=members.ID_PATTERN, description="Opaque member id")]


@app.put("/admin/rule-sets/<renewal_year>", responses=errors(409), summary="Create or replace a year's rule set")
def put_rule_set(renewal_year: RenewalYear, rule_set: Annotated[rules.RuleSetIn, Body()]) -> rules.RuleSet:
    return rules.put_rule_set(principal(app), renewal_year, rule_set)


@app.get("/admin/rule-sets/<renewal_year>", summary="A year's rule set")
def get_rule_set(renewal_year: RenewalYear) -> rules.RuleSet:
    return rules.get_rule_set(principal(app), renewal_year)


@app.put("/admin/members/<member_id>", summary="Create (201) or replace (200) a member",
         responses={**errors(409), 201: {"description": "Created", "content": {"application/json": {"model": members.Member}}}})
def put_member(member_id: MemberId, member: Annotated[members.MemberIn, Body()]) -> tuple[members.Member, int]:
    stored, created = members.upsert_member(principal(app), member_id, member)
    return stored, 201 if created else 200


@app.get("/admin/members", summary="Find members by member id (prefix), e-mail (equal) or first or last name (prefix)")
def search_members(
    q: Annotated[str, Query(min_length=1, max_length=254,
                            description="Start of a member id or name (case and accents ignored), or an e-mail")],
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> directory.MemberSearch:
    return directory.search_members(principal(app), q, limit, next_token)


@app.get("/admin/members/<member_id>", summary="A member's record")
def get_member(member_id: MemberId) -> members.Member:
    return members.get_member(principal(app), member_id)


@app.get("/admin/members/<member_id>/renewals/<renewal_year>", summary="A member's renewal for a year")
def get_member_renewal(member_id: MemberId, renewal_year: RenewalYear) -> renewals.Renewal:
    return renewals.get_member_renewal(principal(app), member_id, renewal_year)


@app.get("/admin/members/<member_id>/invoices", summary="A member's invoices, newest first, with their lines and payments",
         responses=responses(invoices.InvoiceList, {404: "No such member", 422: "A bad limit or next_token"}))
def member_invoices(
    member_id: MemberId,
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> invoices.InvoiceList:
    return invoices.list_member_invoices(principal(app), member_id, limit, next_token)


@app.get("/admin/members/<member_id>/cec-transcript",
         summary="A member's CEC record for a renewal year: every activity of its earning window and the totals",
         responses=responses(transcripts.Transcript, {404: "No such member, or no rule set for the year"}))
def member_transcript(member_id: MemberId,
                      renewal_year: Annotated[int, Query(ge=2000, le=2100)]) -> transcripts.Transcript:
    return transcripts.member_transcript(principal(app), member_id, renewal_year)


@app.post("/admin/invoices/<invoice_id>/payments", responses=errors(409), summary="Record a mail or fax payment (check, money order, card by phone)")
def record_offline_payment(
    invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")],
    payment: Annotated[payments.OfflinePayment, Body()],
) -> payments.invoices.Invoice:
    invoice = payments.record_offline(principal(app), invoice_id, payment)
    telemetry.count(telemetry.PAYMENTS_APPLIED)
    return invoice


@app.post("/admin/invoices/<invoice_id>/reinstatement-waiver",
          summary="Waive the reinstatement fee of an open invoice (the line is kept, voided; audited)",
          responses=responses(payments.invoices.Invoice, {404: "No such invoice",
                                                          409: "The invoice is not open, or owes no reinstatement fee",
                                                          422: "The note is missing"}))
def waive_reinstatement_fee(
    invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")],
    waiver: Annotated[payments.FeeWaiver, Body()],
) -> payments.invoices.Invoice:
    return payments.waive_reinstatement_fee(principal(app), invoice_id, waiver)


@app.get("/admin/payments", summary="Payments that need a person: amount mismatch, second payment, dispute")
def list_payments(
    needs_attention: Annotated[bool, Query()] = True,
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> payments.PaymentList:
    return payments.list_payments(principal(app), needs_attention, limit, next_token)


@app.post("/admin/members/<member_id>/waivers", responses=errors(409, success=201), summary="Grant a military-deployment or emeritus waiver")
def grant_waiver(member_id: MemberId, waiver: Annotated[waivers.WaiverIn, Body()]) -> tuple[waivers.Waiver, int]:
    return waivers.grant(principal(app), member_id, waiver), 201


@app.delete("/admin/members/<member_id>/waivers/<waiver_id>", responses=errors(409), summary="Revoke a waiver (until that year's invoice is paid)")
def revoke_waiver(member_id: MemberId, waiver_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")],
                  revocation: Annotated[waivers.Revocation | None, Body()] = None) -> waivers.Waiver:
    return waivers.revoke(principal(app), member_id, waiver_id, revocation or waivers.Revocation())


@app.get("/admin/waiver-requests", summary="Members' waiver requests by status, oldest first")
def waiver_requests(
    status: Annotated[str, Query(pattern="^(pending|approved|rejected)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> waivers.WaiverRequestList:
    return waivers.list_requests(principal(app), status, limit, next_token)


@app.post("/admin/waiver-requests/<request_id>/decision", responses=errors(409), summary="Approve (grants the waiver) or reject a request")
def decide_waiver_request(request_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")],
                          decision: Annotated[waivers.RequestDecision, Body()]) -> waivers.WaiverRequest:
    return waivers.decide_request(principal(app), request_id, decision)


Status = Annotated[str | None, Query(pattern="^(open|grace|lapsed|renewed|waived|not_required)$")]
Limit = Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)]
CSV_RESPONSES = {200: {"description": "A page of renewals, or every row as CSV (up to 10,000 rows)",
                       "content": {"application/json": {"model": reports.RenewalReport}, "text/csv": {}}},
                 404: {"description": "No rule set for the year"},
                 413: {"description": "More than 10,000 rows as CSV: export_required (POST /admin/exports)"},
                 422: {"description": "A bad status, limit or next_token"}}


@app.get("/admin/renewals", summary="Renewals of a year, by status and affiliate; every row as CSV with "
         "Accept: text/csv", responses=CSV_RESPONSES)
def renewal_report(
    renewal_year: Annotated[int, Query(ge=2000, le=2100)],
    status: Status = None,
    affiliate: Annotated[str | None, Query(pattern=members.ID_PATTERN)] = None,
    limit: Limit = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
):
    if wants_csv(app):
        suffix = (f"-{affiliate}" if affiliate else "") + (f"-{status}" if status else "")
        return csv_response(reports.renewals_csv(principal(app), renewal_year, status, affiliate),
                            f"renewals-{renewal_year}{suffix}.csv")
    return reports.renewals_page(principal(app), renewal_year, status, limit, next_token, affiliate)


@app.get("/affiliate/renewals", summary="Renewals of a year of the caller's affiliate's members, by status; every "
         "row as CSV with Accept: text/csv", responses=CSV_RESPONSES)
def affiliate_renewal_report(
    renewal_year: Annotated[int, Query(ge=2000, le=2100)],
    status: Status = None,
    limit: Limit = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
):
    if wants_csv(app):
        return csv_response(reports.affiliate_renewals_csv(principal(app), renewal_year, status),
                            f"renewals-{renewal_year}" + (f"-{status}" if status else "") + ".csv")
    return reports.affiliate_renewals_page(principal(app), renewal_year, status, limit, next_token)


@app.get("/admin/summary", responses=errors(404), summary="Counts by status, dues invoiced / collected / outstanding, CEC completion rate")
def renewal_summary(renewal_year: Annotated[int, Query(ge=2000, le=2100)]) -> reports.Summary:
    return reports.summary(principal(app), renewal_year)


@app.get("/admin/members/<member_id>/history", summary="Audit trail: staff actions and contact changes")
def member_history(
    member_id: MemberId,
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> audit.History:
    return audit.member_history(principal(app), member_id, limit, next_token)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
