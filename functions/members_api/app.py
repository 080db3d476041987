"""Member self-service: the caller's own record (`/me`)."""

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import checkout, invoices, members, renewals
from renewal.api import create_app, handle, principal

logger = Logger()
app = create_app()


@app.get("/me", summary="The caller's member record")
def get_me() -> members.Member:
    return members.get_own_member(principal(app))


@app.patch("/me/contact", summary="Change any part of the caller's contact information")
def patch_contact(patch: Annotated[members.ContactPatch, Body()]) -> members.Member:
    return members.patch_contact(principal(app), patch)


@app.get("/me/invoices", summary="The caller's invoices, newest first")
def list_invoices() -> invoices.InvoiceList:
    return invoices.list_own_invoices(principal(app))


@app.get("/me/invoices/<invoice_id>", summary="One of the caller's invoices")
def get_invoice(invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")]) -> invoices.Invoice:
    return invoices.get_own_invoice(principal(app), invoice_id)


@app.post("/me/invoices/<invoice_id>/checkout", summary="Start a Stripe Checkout for one of the caller's open invoices")
def start_checkout(
    invoice_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,100}$")],
    request: Annotated[checkout.CheckoutRequest | None, Body()] = None,
) -> checkout.CheckoutSession:
    return checkout.start_checkout(principal(app), invoice_id, request or checkout.CheckoutRequest())


@app.get("/me/renewals/<renewal_year>", summary="The caller's renewal status and CEC progress for a year")
def get_renewal(renewal_year: Annotated[int, Path(ge=2000, le=2100)]) -> renewals.Renewal:
    return renewals.get_own_renewal(principal(app), renewal_year)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
