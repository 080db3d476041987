"""The `/_local/*` helpers: tokens, the domain clock, schedules and the outbox
(and /_local/stripe/*, which local.stripe answers, /_local/cognito/*, the
user pool's sign-in endpoints, which local.oidc answers, and /_local/cognito-idp/,
Cognito's user API, which local.cognito_user_api answers).

They exist only in the local stack (never in template.yaml), standing in for
Cognito sign-in, the passing of time, EventBridge Scheduler, a mailbox and Stripe.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import traceback
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local import schedules
from local.auth import TOKEN_LIFETIME_S, Authority
from local.invoke import Invoker
from local.outbox import Outbox
from local.responses import error_response, json_response

OpaqueId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sub: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    groups: list[Literal["member", "affiliate", "naaei"]] = Field(default_factory=list)
    member_id: OpaqueId | None = None
    affiliate: OpaqueId | None = None
    # An account of the user pool has one; Cognito's ID token carries it (scope `email`).
    email: Annotated[str, StringConstraints(max_length=254)] | None = None


class UserPoolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254,
                                            pattern=r"^[^@\s]+@[^@\s]+$")]


class SignUpRequest(UserPoolRequest):
    # Groups an administrator then adds the account to (AdminAddUserToGroup), as for institute staff.
    groups: list[Literal["member", "affiliate", "naaei"]] = Field(default_factory=list)


class ClockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    today: dt.date


class DomainClock:
    """The layer's one clock module, shared by every function in this process;
    remembers the override so it can be shown and saved."""

    def __init__(self) -> None:
        self.override: dt.date | None = None

    def set(self, today: dt.date | None) -> None:
        from renewal import clock  # imported late: the layer is put on sys.path first

        clock.set_today(today)
        self.override = today

    def state(self) -> dict[str, Any]:
        from renewal import clock

        return {"today": clock.today().isoformat(), "overridden": self.override is not None}


class LocalHelpers:
    def __init__(self, authority: Authority, invoker: Invoker, outbox: Outbox, domain_clock: DomainClock,
                 resolve: Callable[[Any], Any] = lambda value: value, on_change: Callable[[], None] = lambda: None,
                 stripe: Callable[[Request], Response] | None = None,
                 cognito: Callable[[Request], Response] | None = None,
                 dead_letter: Callable[[Any, Any, str], str] | None = None,
                 alarms: Callable[[], list[dict[str, Any]]] | None = None, user_pool: Any = None,
                 user_api: Any = None):
        self.authority, self.invoker, self.outbox, self.domain_clock = authority, invoker, outbox, domain_clock
        self.resolve, self.on_change = resolve, on_change
        # Sends a failed asynchronous event to a function's dead-letter queue (queue, event, error) -> queue name.
        self.dead_letter = dead_letter
        self.alarms = alarms
        self.stripe = stripe  # local.stripe.LocalStripe: /_local/stripe/* when no real STRIPE_API_KEY is set
        self.cognito = cognito  # local.oidc.CognitoEmulation: the user pool's sign-in endpoints
        self.user_pool = user_pool  # local.cognito.LocalUserPool: sign-ups run the pool's trigger
        self.user_api = user_api  # local.cognito_user_api.CognitoUserApi: a user's own calls (authenticator app)
        self.routes = Map([
            Rule("/_local/token", methods=["POST"], endpoint=self.token),
            Rule("/_local/clock", methods=["GET", "PUT", "DELETE"], endpoint=self.clock),
            Rule("/_local/schedules/<name>", methods=["POST"], endpoint=self.schedule),
            Rule("/_local/outbox", methods=["GET"], endpoint=self.outbox_items),
            Rule("/_local/user-pool/sign-up", methods=["POST"], endpoint=self.pool_sign_up),
            Rule("/_local/user-pool/token", methods=["POST"], endpoint=self.pool_token),
            Rule("/_local/alarms", methods=["GET"], endpoint=self.alarm_states),
            Rule("/_local/invoke/<function_id>", methods=["POST"], endpoint=self.invoke),
        ])

    def __call__(self, request: Request) -> Response:
        if self.cognito is not None and request.path.startswith("/_local/cognito/"):
            return self.cognito(request)
        if self.user_api is not None and self.user_api.handles(request.path):
            return self.user_api(request)
        if self.stripe is not None and request.path.startswith("/_local/stripe/"):
            response = self.stripe(request)
            if request.method != "GET":
                self.on_change()
            return response
        try:
            endpoint, arguments = self.routes.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return error_response(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
        except NotFound:
            return error_response(404, "not_found", f"No local helper at {request.path}.")
        response = endpoint(request, **arguments)
        if request.method != "GET":
            self.on_change()
        return response

    # ------------------------------------------------------------------ token
    def token(self, request: Request) -> Response:
        parsed = _parse(request, TokenRequest)
        if isinstance(parsed, Response):
            return parsed
        token = self.authority.mint(parsed.sub, parsed.groups, parsed.member_id, parsed.affiliate)
        return json_response(200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S})

    # ------------------------------------------------------------------ user pool
    def pool_sign_up(self, request: Request) -> Response:
        """A sign-up in the user pool, confirmed, with the post-confirmation trigger
        run, then added to `groups` (if any) as an administrator would; answers the
        token the pool's claims then give."""
        parsed = _parse(request, SignUpRequest)
        if isinstance(parsed, Response):
            return parsed
        if self.user_pool.claims_for(parsed.email) is not None:
            return error_response(409, "account_exists", f"An account with {parsed.email} exists; sign in instead.")
        return self._pool_token(self.user_pool.sign_up(parsed.email, parsed.groups), status=201)

    def pool_token(self, request: Request) -> Response:
        """A token for a user of the pool, with the claims the pool holds now."""
        parsed = _parse(request, UserPoolRequest)
        if isinstance(parsed, Response):
            return parsed
        claims = self.user_pool.claims_for(parsed.email)
        if claims is None:
            return error_response(404, "not_found", f"No account with {parsed.email}; sign up first.")
        return self._pool_token(claims)

    def _pool_token(self, claims: dict[str, Any], status: int = 200) -> Response:
        token = self.authority.mint(claims["sub"], claims["groups"], claims["member_id"], claims["affiliate"])
        return json_response(status, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S,
                                      "claims": claims})

    # ------------------------------------------------------------------ clock
    def clock(self, request: Request) -> Response:
        if request.method == "PUT":
            parsed = _parse(request, ClockRequest)
            if isinstance(parsed, Response):
                return parsed
            self.domain_clock.set(parsed.today)
        elif request.method == "DELETE":
            self.domain_clock.set(None)
        return json_response(200, self.domain_clock.state())

    # ------------------------------------------------------------------ schedules
    def schedule(self, request: Request, name: str) -> Response:
        found = schedules.find(self.invoker.functions, name, self.resolve)
        if found is None:
            return error_response(404, "not_found", f"No schedule named {name} in template.yaml.")
        function, schedule = found
        from renewal import clock

        # The firing time on the domain's date, so a schedule fired "on 1 October" says so.
        real = dt.datetime.now(dt.UTC)
        fired_at = dt.datetime.combine(clock.today(), real.time(), tzinfo=dt.UTC)
        event = schedules.scheduled_event(schedule, self.resolve, fired_at)
        # The scheduler invokes asynchronously: Lambda retries a failed invocation,
        # then hands the event to the function's dead-letter queue, if it has one.
        attempts = 1 + function.async_retries
        for _ in range(attempts):
            try:
                result = self.invoker.invoke(function.logical_id, event)
            except Exception as error:
                print(f"local: schedule {name} -> {function.logical_id} raised", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
                failure = f"{type(error).__name__}: {error}"
                continue
            return json_response(200, {"schedule": schedule["name"], "function": function.logical_id,
                                       "result": _jsonable(result)})
        queue = None
        if function.dead_letter_queue is not None and self.dead_letter is not None:
            queue = self.dead_letter(function.dead_letter_queue, event, failure)
        return error_response(500, "internal_error", f"{function.logical_id} failed {attempts} times; see the stack's log.",
                              [{"attempts": attempts, "dead_letter_queue": queue, "event": event}])

    # ------------------------------------------------------------------ invoke
    def invoke(self, request: Request, function_id: str) -> Response:
        """A direct invocation (`aws lambda invoke`): the body is the event."""
        if function_id not in self.invoker.functions:
            return error_response(404, "not_found", f"No function {function_id} in template.yaml.")
        try:
            event = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError:
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        try:
            result = self.invoker.invoke(function_id, event)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return error_response(500, "internal_error", f"{function_id} failed; see the stack's log.")
        return json_response(200, {"function": function_id, "result": _jsonable(result)})

    # ------------------------------------------------------------------ alarms
    def alarm_states(self, request: Request) -> Response:
        return json_response(200, {"alarms": self.alarms() if self.alarms else []})

    # ------------------------------------------------------------------ outbox
    def outbox_items(self, request: Request) -> Response:
        return json_response(200, {"items": self.outbox.items()})


def _parse(request: Request, model: type[BaseModel]) -> Any:
    """The body as `model`, or the contract's 400 / 422 response."""
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        return error_response(400, "malformed_json", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "in": "body", "message": e["msg"], "type": e["type"]}
                   for e in error.errors()]
        return error_response(422, "validation_error", "The request is not valid.", details)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)
