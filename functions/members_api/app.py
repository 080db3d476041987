"""Member self-service: the caller's own record (`/me`)."""

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

from renewal import certificates, checkout, config, invoices, members, paging, renewals, transcripts, waivers
from renewal.api import create_app, errors, csv_response, handle, pdf_response, principal, public_base_url, wants_csv, wants_json
from renewal.telemetry import metrics

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "PAGE_TOKEN_KEY", "DOCUMENTS_BUCKET", "STRIPE_KEYS_SECRET")

logger = Logger()
app = create_app()


@app.get("/me", summary="The caller's member record")
def get_me() -> members.Member:
    return members.get_own_member(principal(app))


@app.patch("/me/contact", summary="Change any part of the caller's contact information")
def patch_contact(patch: Annotated[members.ContactPatch, Body()]) -> members.Member:
    return members.patch_contact(principal(app), patch)


@app.get("/me/invoices", summary="The caller's invoices, newest first")
def list_invoices(
    limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query()] = None,
) -> invoices.InvoiceList:
    return invoices.list_own_invoices(principal(app), limit, next_token)


@app.get("/me/invoices/<invoice_id>", summary="One of the caller's invoices")
def get_invoice(invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")]) -> invoices.Invoice:
    return invoices.get_own_invoice(principal(app), invoice_id)


@app.post("/me/invoices/<invoice_id>/checkout", responses=errors(409, 502, 503), summary="Start a Stripe Checkout for one of the caller's open invoices")
def start_checkout(
    invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")],
    request: Annotated[checkout.CheckoutRequest | None, Body()] = None,
) -> checkout.CheckoutSession:
    return checkout.start_checkout(principal(app), invoice_id, request or checkout.CheckoutRequest())


@app.get("/me/renewals/<renewal_year>", summary="The caller's renewal status and CEC progress for a year")
def get_renewal(renewal_year: Annotated[int, Path(ge=2000, le=2100)]) -> renewals.Renewal:
    return renewals.get_own_renewal(principal(app), renewal_year)


@app.get("/me/certificates/<code>", summary="A PDF certificate of a credential in good standing",
         responses={200: {"description": "The certificate", "content": {"application/pdf": {}}},
                    **errors(409, success=None)})
def get_certificate(code: Annotated[str, Path(pattern=r"^[A-Za-z]{3,5}$")]):
    # The verify page is the portal's (a person opens it); without a portal, the API's JSON answers.
    document = certificates.certificate_pdf(principal(app), code, config.portal_url() or public_base_url(app))
    return pdf_response(document, f"{code.upper()}-certificate.pdf")


@app.get("/me/cec-transcript", summary="The caller's CEC record for a renewal year: PDF, or CSV with Accept: text/csv, "
         "or JSON with Accept: application/json",
         responses={200: {"description": "The transcript", "content": {
             "application/pdf": {}, "text/csv": {},
             "application/json": {"model": transcripts.Transcript}}},
                    **errors(404, success=None)})
def get_transcript(renewal_year: Annotated[int, Query(ge=2000, le=2100)]):
    if wants_json(app):
        return transcripts.transcript(principal(app), renewal_year)
    if wants_csv(app):
        return csv_response(transcripts.transcript_csv(principal(app), renewal_year),
                            f"cec-transcript-{renewal_year}.csv")
    return pdf_response(transcripts.transcript_pdf(principal(app), renewal_year), f"cec-transcript-{renewal_year}.pdf")


@app.post("/me/waiver-requests", responses=errors(409, success=201), summary="Ask the institute for a military or emeritus waiver")
def request_waiver(request: Annotated[waivers.WaiverRequestIn, Body()]) -> tuple[waivers.WaiverRequest, int]:
    return waivers.request_waiver(principal(app), request), 201


@app.get("/me/waiver-requests", summary="The caller's waiver requests, newest first")
def list_waiver_requests(limit: Annotated[int, Query(ge=1, le=paging.MAX_LIMIT)] = paging.DEFAULT_LIMIT,
                         next_token: Annotated[str | None, Query()] = None) -> waivers.WaiverRequestList:
    return waivers.list_own_requests(principal(app), limit, next_token)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
