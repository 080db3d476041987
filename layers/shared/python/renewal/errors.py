"""Domain errors. Each carries the contract's code and HTTP status, so the API
layer maps every one of them to the error body in one place (renewal.api)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422
    code = "rule_violation"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class MalformedRequest(DomainError):
    status = 400
    code = "malformed_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class RuleViolation(DomainError):
    status = 422
    code = "rule_violation"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class PaymentProviderError(DomainError):
    """Stripe answered with an error of its own (a 5xx): nothing was charged; try again."""

    status = 502
    code = "payment_provider_error"


class PaymentProviderUnavailable(DomainError):
    """Stripe did not answer in time (or asked us to slow down): try again shortly."""

    status = 503
    code = "payment_provider_unavailable"
