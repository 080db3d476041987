"""The local stack (`python -m local.server`) as a subprocess, and a small
HTTP client for it that fetches tokens from /_local/token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    def __init__(self, state_dir: Path, seed: str = "none", port: int | None = None,
                 env: dict[str, str] | None = None):
        self.state_dir, self.seed, self.env = state_dir, seed, dict(env or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = state_dir.parent / f"{state_dir.name}-server.log"

    def start(self) -> LocalServer:
        env = {**os.environ, "PORT": str(self.port), "LOCAL_STATE_DIR": str(self.state_dir), "SEED": self.seed,
               "PYTHONUNBUFFERED": "1", **self.env}
        # The test session's own settings must not leak into the stack.
        for name in ("AWS_ENDPOINT_URL", "TABLE_NAME", "RENEWAL_TODAY"):
            env.pop(name, None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local stack exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass  # not listening yet, or too busy starting to answer within the second
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"local stack not healthy within {START_TIMEOUT_S} s:\n{self.output()}")

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def restart(self) -> int | None:
        code = self.stop()
        self.start()
        return code

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Client:
    """requests against the stack, with tokens from /_local/token."""

    def __init__(self, server: LocalServer):
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def token(self, sub: str, groups: list[str], member_id: str | None = None, affiliate: str | None = None) -> str:
        body: dict[str, Any] = {"sub": sub, "groups": groups}
        if member_id:
            body["member_id"] = member_id
        if affiliate:
            body["affiliate"] = affiliate
        response = requests.post(f"{self.url}/_local/token", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def mail(self, wanted: Any = lambda mails: bool(mails), timeout: float = 60.0) -> list[dict[str, Any]]:
        """The e-mails sent so far (newest first), once `wanted(mails)` holds: e-mail
        leaves through the outbox, the queue and the sender, a moment after the change."""
        deadline = time.monotonic() + timeout
        while True:
            mails = self.request("GET", "/_local/outbox").json()["items"]
            if wanted(mails) or time.monotonic() > deadline:
                return mails
            time.sleep(0.2)

    def staff_token(self) -> str:
        return self.token("staff-e2e", ["naaei"])

    def member_token(self, member_id: str) -> str:
        return self.token(f"user-{member_id}", ["member"], member_id)


def season_rule_set(year: int, **renewing: tuple[float, float, int]) -> dict[str, Any]:
    """A calendar-year rule set for `year` (CECs earned in year - 1, due 1 January,
    grace to 31 March), the credentials given as CODE=(cec_required,
    in_network_min, fee_cents), plus CAMT, which never renews."""
    credentials = {code: {"cec_required": cecs, "in_network_min": in_network, "fee_cents": fee,
                          "renews_annually": True} for code, (cecs, in_network, fee) in renewing.items()}
    credentials["CAMT"] = {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False}
    return {
        "due_date": f"{year}-01-01",
        "grace_ends": f"{year}-03-31",
        "reinstatement_fee_cents": 5000,
        "earning_window": {"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"},
        "participation_cap": 2,
        "require_complete_submission": True,
        "first_year_cec_waived": True,
        "credentials": credentials,
    }


def run_deadlines(client: Client, staff: str, timeout: float = 90.0) -> dict[str, Any]:
    """Starts today's deadline run (202) and waits for it to finish over the queue."""
    started = client.request("POST", "/admin/deadline-runs", token=staff, json={})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.request("GET", f"/admin/deadline-runs/{started.json()['run_id']}", token=staff).json()
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError(f"deadline run still running: {run}")


def eventually(probe, timeout_s: float = 20.0):
    """Polls `probe` until it returns something truthy (or the time is up: its last answer)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
