"""HTTP glue shared by the API functions: one resolver setup, one place that
maps every error to the contract's error body, the caller from JWT claims.

Nothing here decides a business rule; handlers call services with the
Principal this module reads.
"""

import base64
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import Field

from renewal import auth, config
from renewal.errors import DomainError, Forbidden, MalformedRequest, NotFound, Unauthorized, ValidationFailed
from renewal.model import Model

logger = Logger()


# The error body's models document it (OpenAPI); errors are answered with json.dumps
# (error_response), so as deferred models (Model) they are never built in a function.
class ErrorDetail(Model):
    """The error itself: a code to branch on, a sentence for people, and what it concerns."""

    code: str = Field(description="Machine-readable, e.g. validation_error, invoice_not_open, own_record")
    message: str = Field(description="A sentence a person can read")
    details: list[Any] = Field(description="Which fields or rules, e.g. {\"field\": \"email\"}")


class ErrorBody(Model):
    """Every error this API answers (API Gateway's own 401 and 413 excepted)."""

    error: ErrorDetail


ERROR_MEANINGS = {
    400: "The body is not JSON (or not a Stripe event)",
    401: "No token, or a bad or expired one",
    403: "The caller may not do this (their group, or their own record)",
    404: "No such record, or not one the caller may see",
    409: "The record's state does not allow it (already decided, paid, locked)",
    413: "The request or the result is too large",
    422: "Well-formed, but breaks a rule; `details` says which field or rule",
    502: "The payment provider answered with an error; try again",
    503: "The payment provider did not answer in time; try again",
}


def errors(*statuses: int, success: int | None = 200) -> dict[int, dict[str, Any]]:
    """A route's OpenAPI responses: its success (its return type's schema; None
    when the route declares its own) and the errors it answers beyond those every
    route of its kind has (scripts/openapi.py adds 401, 403, 400, 404, 413 and 422
    by kind: protected, with a body, with an id in its path)."""
    declared: dict[int, dict[str, Any]] = {success: {"description": "Success"}} if success else {}
    return declared | {status: {"description": ERROR_MEANINGS[status],
                                "content": {"application/json": {"model": ErrorBody}}} for status in statuses}


def error_response(error: DomainError) -> Response:
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON, body=json.dumps(error.body()))


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    details = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        details.append(
            {
                "field": ".".join(location[1:]) or (location[0] if location else ""),
                "in": location[0] if location else "body",
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "value_error"),
            }
        )
    return details


def _json_body(text: str) -> Any:
    """json.loads, where a body nested deeper than the parser recurses is
    malformed JSON (400), not a crash. Every body this API reads is a JSON
    object: any other JSON value is a 422, even where the body is optional."""
    try:
        body = json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deep", text[:64], 0) from None
    if not isinstance(body, dict):
        raise ValidationFailed("The request body must be a JSON object.",
                               details=[{"field": "", "in": "body", "type": "model_type"}])
    return body


def create_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=_json_body)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(MalformedRequest("The request body is not valid JSON.", code="malformed_json"))
        if any(e.get("type") == "missing" and tuple(e.get("loc", ()))[:1] == ("body",) and len(e.get("loc", ())) == 1
               for e in errors):
            return error_response(MalformedRequest("The request needs a JSON body.", code="malformed_json"))
        return error_response(ValidationFailed("The request is not valid.", details=_validation_details(errors)))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        # Logged with its stack for operators; the caller never sees one.
        logger.exception("unhandled error")
        body = {"error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": []}}
        return Response(status_code=500, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(NotFound("No such resource.", code="route_not_found"))

    return app


def responses(model: Any, errors: dict[int, str], *, status: int = 200, description: str = "Done") -> dict[int, Any]:
    """A route's documented answers: the model it returns under `status`, and its
    errors (each with the contract's error body: left without one, Powertools
    would document the route's return model under the error too). Powertools
    documents only what is listed once a route lists any, so the answer itself
    is listed too."""
    documented: dict[int, Any] = {status: {"description": description,
                                           "content": {"application/json": {"model": model}}}}
    documented.update({code: {"description": text, "content": {"application/json": {"model": ErrorBody}}}
                       for code, text in errors.items()})
    return documented


def principal(app: APIGatewayHttpResolver) -> auth.Principal:
    """The caller, from the claims the JWT authorizer verified."""
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    return auth.Principal.from_claims(claims)


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    """The body exactly as the client sent it (API Gateway base64-encodes some)."""
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def public_base_url(app: APIGatewayHttpResolver) -> str:
    """The API's public address, for links printed into documents (a
    certificate's verification URL): the custom domain when the stack has one,
    else the domain API Gateway itself reports. Never the request's Host or
    X-Forwarded-Proto headers: a caller could put anything there
    (`javascript://...`)."""
    configured = config.public_base_url()
    if configured:
        return configured
    context = app.current_event.request_context
    stage = context.stage
    return f"https://{context.domain_name}" + ("" if stage in (None, "$default") else f"/{stage}")


def wants_csv(app: APIGatewayHttpResolver) -> bool:
    return "text/csv" in (app.current_event.headers.get("accept") or "")


def wants_json(app: APIGatewayHttpResolver) -> bool:
    """Asked for JSON by name (a browser's */* or a PDF viewer's Accept keeps the default)."""
    return "application/json" in (app.current_event.headers.get("accept") or "")


def csv_response(text: str, filename: str) -> Response:
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=text,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def pdf_response(document: bytes, filename: str) -> Response:
    return Response(status_code=200, content_type="application/pdf", body=document,
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _refusal(error: DomainError) -> dict[str, Any]:
    """A contract error answered before the resolver runs."""
    return {
        "statusCode": error.status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(error.body()),
        "isBase64Encoded": False,
    }


def handle(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve an HTTP API event after the route's group gate.

    Powertools validates the body before any route code runs, so the group a
    path needs is checked here first: a caller outside the group gets 403, not
    a validation error that would tell them about the route's body.
    """
    # The path as routed: without the stage prefix a named stage (/dev) adds.
    needed = auth.groups_for_path(APIGatewayProxyEventV2(event).path)
    if needed:
        try:
            claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims")
            caller = auth.Principal.from_claims(claims)
            if needed == (auth.MEMBER,):
                caller.require_member()
            else:
                caller.require(*needed)
        except (Unauthorized, Forbidden) as error:
            return _refusal(error)
    if event.get("isBase64Encoded") and event.get("body"):
        # Every body this API reads is JSON text: bytes that are not UTF-8 are not one.
        try:
            base64.b64decode(event["body"]).decode("utf-8")
        except ValueError:
            return _refusal(MalformedRequest("The request body is not valid JSON.", code="malformed_json"))
    headers = event.get("headers") or {}
    if event.get("body") and "json" not in headers.get("content-type", ""):
        # The API speaks only JSON: a body sent without the header (curl -d sends
        # a form type) is read as JSON, not parsed as form fields.
        event = {**event, "headers": {**headers, "content-type": "application/json"}}
    return app.resolve(event, context)
