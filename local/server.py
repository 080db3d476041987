"""The local stack behind `make run`: the template's functions behind an
emulated HTTP API, on moto, with no Docker and no AWS account.

    python -m local.server      # PORT (3000), LOCAL_STATE_DIR (.local/), SEED (demo | none),
                                # MOTO_PORT (moto's own port; any free one when unset)

Start-up order matters: moto first, then the AWS environment, then the
resources, and only then the handler modules, whose module-level clients read
AWS_ENDPOINT_URL when they are created. (Importing boto3 earlier is harmless:
a client reads the environment when it is made, not when boto3 is imported.)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import boto3
from werkzeug.serving import WSGIRequestHandler, make_server

from local import (alarms, auth, cognito, cognito_user_api, moto_queries, moto_transactions, oidc, outbox, pipes,
                   resources, s3_policy, seed, sqs, state, template)
from local import stripe as local_stripe
from local.cors import Cors
from local.gateway import Gateway
from local.helpers import DomainClock, LocalHelpers
from local.invoke import Invoker
from local.portal import Portal
from local.responses import error_response

SEEDS = ("demo", "none")


def _aws_environment(endpoint: str) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = "us-east-1"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    # X-Ray has no daemon here; Tracing: Active in the template means nothing locally.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _layer_on_path() -> None:
    # Exactly once, and the same entry load_handler checks, so every function
    # shares one `renewal` package and so one renewal.clock.
    if str(template.LAYER_PATH) not in sys.path:
        sys.path.insert(0, str(template.LAYER_PATH))


def _access_log() -> type:
    """A request handler that logs our requests (method, path, status) but not
    moto's, which share werkzeug's logger and would drown them."""
    logger = logging.getLogger("local.http")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    class AccessLog(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            logger.info("%s %s %s", self.command, getattr(self, "path", self.requestline), code)

    return AccessLog


class LocalStack:
    """Everything `make run` starts, and stops in reverse order."""

    def __init__(self, port: int, state_dir: Path, seed_mode: str):
        self.port, self.state_dir, self.seed_mode = port, state_dir, seed_mode
        self.base_url = f"http://127.0.0.1:{port}"
        self.seeded: int | None = None  # failed seed requests, once the demo data is loaded

    def portal_config(self) -> dict[str, Any]:
        """The portal's /config.json: in AWS written at deploy from the stack's outputs."""
        return {
            "apiUrl": self.base_url,
            "authority": f"{self.base_url}{oidc.PREFIX}",
            "clientId": self.authority.audience[0],
            "logoutUrl": f"{self.base_url}{oidc.PREFIX}/logout",
            # Cognito's user API (the person's own MFA settings), in AWS https://cognito-idp.<region>.amazonaws.com/.
            "userPoolApiUrl": f"{self.base_url}{cognito_user_api.PATH}",
            "stage": "local",
        }

    def start(self) -> None:
        # The port first: if it is taken, say so before any work is done. It serves at once,
        # answering 503 until the stack is ready, so nobody's request hangs meanwhile.
        self.ready = threading.Event()
        self.http = make_server("127.0.0.1", self.port, self._serve, threaded=True, request_handler=_access_log())
        self.http_thread = threading.Thread(target=self.http.serve_forever, name="http", daemon=True)
        self.http_thread.start()
        _layer_on_path()
        # moto's server logs every AWS call through werkzeug's logger; only its warnings matter here.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        moto_transactions.install()  # transactions cost the items they touch, not the table
        moto_queries.install()  # a Query costs its partition, not the table
        # MOTO_PORT fixes moto's port, so the AWS CLI (or a test) can look at the stack's table and queues.
        self.moto = s3_policy.MotoServer(ip_address="127.0.0.1", port=int(os.environ.get("MOTO_PORT") or 0),
                                         verbose=False)
        self.moto.start()
        host, moto_port = self.moto.get_host_and_port()
        self.moto_url = f"http://{host}:{moto_port}"
        _aws_environment(self.moto_url)

        # Without STRIPE_API_KEY the SDK talks to local.stripe. Its keys are set before the resources:
        # the Stripe keys' secret is made from them (the portal origins come after the template's, below).
        os.environ.update({name: value for name, value in local_stripe.environment(self.port, os.environ).items()
                           if name.startswith("STRIPE_")})
        session = boto3.session.Session()
        self.names = resources.LocalNames(f"http://{host}:{moto_port}")
        resources.create_all(self.names, session)
        functions = template.functions()
        os.environ.update(self.names.function_environment(functions))
        # The stack's own origins may be Checkout's return URLs.
        os.environ.update(local_stripe.environment(self.port, os.environ))
        os.environ["PAGE_TOKEN_KEY"] = auth.load_or_create_page_token_key(self.state_dir)
        # Links printed into documents (certificates) point at this stack unless PUBLIC_BASE_URL says otherwise.
        os.environ["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{self.port}"
        # The portal is served here too: links the API writes (a certificate's verify URL) point at it.
        os.environ["PORTAL_URL"] = self.base_url

        self.dynamodb = session.client("dynamodb")
        saved_table = state.read_json(self.state_dir / state.TABLE_FILE)
        saved_clock = state.read_json(self.state_dir / state.CLOCK_FILE) or {}
        if saved_table:
            state.load_table(self.dynamodb, self.names.table_name, saved_table["items"])
        self.s3 = session.client("s3")
        state.load_buckets(self.s3, state.read_json(self.state_dir / state.DOCUMENTS_FILE) or {})
        self.outbox = outbox.Outbox(state.read_json(self.state_dir / state.OUTBOX_FILE))
        issuer, audience = self.names.cognito_issuer_and_audience()
        self.authority = auth.Authority(auth.load_or_create_key(self.state_dir), issuer, audience)
        self.clock = DomainClock()
        self.snapshots = state.Snapshots(self.state_dir, self._snapshot, interval_s=1.0, poll=self.outbox.collect)

        self.stripe = local_stripe.LocalStripe(
            f"http://127.0.0.1:{self.port}",
            os.environ.get("STRIPE_WEBHOOK_SECRET") or local_stripe.DEFAULT_WEBHOOK_SECRET,
            app=lambda environ, respond: self.gateway(environ, respond),  # events reach the webhook as HTTP does
            saved=state.read_json(self.state_dir / local_stripe.STATE_FILE))

        self.invoker = Invoker(functions)
        self.invoker.load_all()
        self.user_pool = cognito.LocalUserPool(session.client("cognito-idp"), self.names.cognito_ids,
                                               self.invoker.invoke, functions)
        self.user_pool.load(state.read_json(self.state_dir / state.USERS_FILE))
        self.sqs = session.client("sqs")
        self.alarms = alarms.Alarms(self.names.resolve, self._queue_depth)
        self.alarms.capture_metrics()
        portal_origins = lambda: [o for o in os.environ.get("PORTAL_ORIGINS", "").split(",") if o]  # noqa: E731
        self.cognito = oidc.CognitoEmulation(self.authority, self.base_url, portal_origins, seed.demo_users,
                                             user_pool=self.user_pool)
        helpers = LocalHelpers(self.authority, self.invoker, self.outbox, self.clock, self.names.resolve,
                               self.snapshots.changed, stripe=self.stripe, cognito=self.cognito,
                               dead_letter=self._dead_letter, alarms=self.alarms.states,
                               user_pool=self.user_pool,
                               user_api=cognito_user_api.CognitoUserApi(self.authority, self.user_pool))
        portal = Portal(self.portal_config, connect_to=lambda: [f"http://{host}:{moto_port}"])
        self.gateway = Gateway(self.invoker, self.authority, helpers, self.snapshots.changed,
                               Cors(self.names.cors_configuration()), portal)

        if saved_table is None and self.seed_mode == "demo":
            # Seeded with the real date (before a saved clock override applies),
            # so the first-year holder's 2026 credential is never "in the future".
            self.seeded = seed.load(self.gateway)
        if saved_clock.get("today"):
            self.clock.set(dt.date.fromisoformat(saved_clock["today"]))
        self.snapshots.save()  # from now on the state dir has a table: no second seeding

        self.ready.set()
        self.pollers = sqs.start_pollers(session.client("sqs"), self.invoker, self.names.queue_url,
                                         self.names.queue_arn, self.snapshots.changed)
        self.pipes = pipes.PipePoller(pipes.stream_pipes(self.names.table_name, self.names.queue_url, session))
        self.pipes.start()
        self.snapshots.start()

    def _dead_letter(self, target: Any, event: Any, error: str) -> str:
        """What Lambda does with an asynchronous event that failed every attempt: the
        event goes to the dead-letter queue, the error in its message attributes."""
        logical_id = sqs.queue_logical_id(target)
        self.sqs.send_message(QueueUrl=self.names.queue_url(logical_id), MessageBody=json.dumps(event),
                              MessageAttributes={"ErrorMessage": {"DataType": "String", "StringValue": error[:1000]},
                                                 "ErrorCode": {"DataType": "Number", "StringValue": "200"}})
        return logical_id

    def _queue_depth(self, queue_name: str) -> int | None:
        for logical_id, name in self.names.queues.items():
            if name == queue_name:
                attributes = self.sqs.get_queue_attributes(QueueUrl=self.names.queue_url(logical_id),
                                                           AttributeNames=["ApproximateNumberOfMessages"])
                return int(attributes["Attributes"]["ApproximateNumberOfMessages"])
        return None

    def _serve(self, environ: dict[str, Any], respond: Any) -> Any:
        if not self.ready.is_set():
            starting = error_response(503, "starting", "The local stack is starting; try again in a moment.")
            starting.headers["Retry-After"] = "1"
            return starting(environ, respond)
        return self.gateway(environ, respond)

    def _snapshot(self) -> dict[str, Any]:
        return {
            state.TABLE_FILE: {"table": self.names.table_name,
                               "items": state.dump_table(self.dynamodb, self.names.table_name)},
            state.OUTBOX_FILE: self.outbox.items(),
            state.DOCUMENTS_FILE: state.dump_buckets(self.s3, list(self.names.buckets.values())),
            state.CLOCK_FILE: {"today": self.clock.override.isoformat() if self.clock.override else None},
            state.USERS_FILE: self.user_pool.dump(),
            local_stripe.STATE_FILE: self.stripe.state(),
        }

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stopping.set()  # they finish their current long poll while the HTTP server shuts down
        self.http.shutdown()  # no new requests; the ones in flight finish
        self.pipes.stop()
        sqs.stop_pollers(self.pollers)
        self.snapshots.stop()
        self.snapshots.save()
        # moto's server thread is a daemon and ends with the process, which exits next.

    def banner(self) -> str:
        base = self.base_url
        member = seed.example_member()
        member_token = self.authority.mint(f"demo-{member['member_id']}", ["member"], member["member_id"],
                                           member.get("affiliate"))
        staff_token = self.authority.mint("demo-staff", ["naaei"])
        built = (Path(template.ROOT) / "portal" / "dist" / "index.html").is_file()
        return "\n".join([
            f"Portal: {base}/  (open it and sign in as the demo member"
            + ("; not built yet: make run builds it)" if not built else ")"),
            f"Local stack on {base}  (state: {self.state_dir}, seed: {self.seed_mode}; Ctrl-C stops and saves)",
            *([f"  Demo data loaded{f' ({self.seeded} requests failed)' if self.seeded else ''}"]
              if self.seeded is not None else []),
            f"  API docs: {base}/swagger",
            f"  AWS services (moto): aws --endpoint-url {self.moto_url} dynamodb scan --table-name "
            f"{next(iter(self.names.tables.values()))}  (MOTO_PORT fixes the port)",
            *([f"  Domain clock set to {self.clock.override} (DELETE {base}/_local/clock restores the real date)"]
              if self.clock.override else []),
            (f"  Stripe: answered locally; checkout_url opens {base}/_local/stripe/checkout/<session>"
             if os.environ.get("STRIPE_API_BASE", "").startswith(base) else
             f"  Stripe: test mode; stripe listen --forward-to {base}/webhooks/stripe (its whsec_ in "
             "STRIPE_WEBHOOK_SECRET)"),
            "  As a member (GET /me):",
            f"    curl -s -H 'Authorization: Bearer {member_token}' {base}/me",
            "  As institute staff (GET /admin/members/{id}):",
            f"    curl -s -H 'Authorization: Bearer {staff_token}' {base}/admin/members/{member['member_id']}",
            f"  More tokens: curl -s -X POST {base}/_local/token -H 'Content-Type: application/json' "
            f"-d '{{\"sub\": \"me\", \"groups\": [\"member\"], "
            f"\"member_id\": \"{member['member_id']}\"}}'",
        ])


def main() -> int:
    port = int(os.environ.get("PORT") or 3000)
    seed_mode = (os.environ.get("SEED") or "demo").lower()
    if seed_mode not in SEEDS:
        print(f"SEED must be one of {', '.join(SEEDS)}, not {seed_mode!r}", file=sys.stderr)
        return 2
    stack = LocalStack(port, state.state_dir(), seed_mode)

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stack.start()
    except OSError as error:
        print(f"local: cannot start: {error} (is port {port} in use? set PORT=...)", file=sys.stderr)
        return 1
    print(stack.banner(), flush=True)
    while not stopping.wait(0.5):
        pass
    print("local: stopping; saving state", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
