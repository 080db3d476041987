"""Member self-service: the caller's own record (`/me`)."""

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import members
from renewal.api import create_app, handle, principal

logger = Logger()
app = create_app()


@app.get("/me", summary="The caller's member record")
def get_me() -> members.Member:
    return members.get_own_member(principal(app))


@app.patch("/me/contact", summary="Change any part of the caller's contact information")
def patch_contact(patch: Annotated[members.ContactPatch, Body()]) -> members.Member:
    return members.patch_contact(principal(app), patch)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
