"""Contract fuzzing: schemathesis against the local stack, as every role, with
every check (`make fuzz`; a short run is part of `make test`).

    python -m scripts.fuzz [--max-examples N] [--url URL] [--seed S]

Without --url it starts its own stack (demo data, a fresh state directory, a
free port) and stops it afterwards. For each role it mints a token from
/_local/token, runs `st run --checks all` over the OpenAPI document the stack
serves (/swagger?format=json), and reads schemathesis' JSON report. It exits
non-zero if any check failed for any role.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).with_name("st")
START_TIMEOUT_S = 180  # a loaded 2-core machine takes over a minute to seed the demo data
PARALLEL_ROLES = 2  # at once: the roles wait on the stack, but a 2-core machine runs other tests beside


@dataclass(frozen=True)
class Role:
    name: str
    token: dict[str, Any] | None  # the /_local/token body; None: no Authorization header


def roles(member_id: str, other_member_id: str, affiliate: str) -> list[Role]:
    """Every kind of caller: none, a member, an affiliate office, one person in both, and staff."""
    return [
        Role("no token", None),
        Role("member", {"sub": "fuzz-member", "groups": ["member"], "member_id": member_id}),
        Role("affiliate", {"sub": "fuzz-affiliate", "groups": ["affiliate"], "affiliate": affiliate}),
        Role("member+affiliate", {"sub": "fuzz-both", "groups": ["member", "affiliate"],
                                  "member_id": other_member_id, "affiliate": affiliate}),
        Role("naaei", {"sub": "fuzz-staff", "groups": ["naaei"]}),
    ]


@dataclass
class Result:
    role: str
    cases: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # failure title -> count
    errors: int = 0
    exit_code: int = 0
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failures and not self.errors


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    """`python -m local.server` with demo data in a fresh state directory."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.directory = Path(tempfile.mkdtemp(prefix="fuzz-"))
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Stack:
        env = {**os.environ, "PORT": str(self.port), "LOCAL_STATE_DIR": str(self.directory / "state"),
               "SEED": "demo", "PYTHONUNBUFFERED": "1"}
        for name in ("AWS_ENDPOINT_URL", "TABLE_NAME", "STRIPE_API_KEY"):
            env.pop(name, None)
        log = (self.directory / "server.log").open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local stack exited: {self.log()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # refused, or too slow to answer yet: not up
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the local stack did not start within {START_TIMEOUT_S} s: {self.log()}")

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def __exit__(self, *_: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def token(url: str, body: dict[str, Any]) -> str:
    reply = requests.post(f"{url}/_local/token", json=body, timeout=10)
    reply.raise_for_status()
    return reply.json()["access_token"]


def run_role(url: str, role: Role, *, max_examples: int, seed: int, report_dir: Path,
             phases: str | None = None) -> Result:
    report = report_dir / f"{role.name.replace('+', '-').replace(' ', '-')}.json"
    command = [str(SCHEMATHESIS), "run", f"{url}/swagger?format=json", "--url", url, "--checks", "all",
               "--max-examples", str(max_examples), "--seed", str(seed), "--no-color", "--workers", "1",
               "--report", "json", "--report-json-path", str(report), "--warnings", "off"]
    if phases:
        command += ["--phases", phases]
    if role.token is not None:
        command += ["--header", f"Authorization: Bearer {token(url, role.token)}"]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    result = Result(role.name, exit_code=finished.returncode, output=finished.stdout + finished.stderr)
    if report.exists():
        summary = json.loads(report.read_text())
        result.cases, result.failures, result.errors = _read_report(summary)
    return result


def _read_report(report: dict[str, Any]) -> tuple[int, dict[str, int], int]:
    """(test cases, failures by title, errors) from schemathesis' JSON run report."""
    failures: dict[str, int] = {}
    for failure in report.get("failures", []):
        title = f"{failure['code']} {failure['title']}"
        failures[title] = failures.get(title, 0) + int(failure.get("count", 1))
    errors = report.get("errors", [])
    return int(report["test_cases"]["generated"]), failures, len(errors) if isinstance(errors, list) else int(errors)


def fuzz(url: str, *, max_examples: int, seed: int, phases: str | None = None,
         parallel: bool = False) -> list[Result]:
    """Every role's run (at once with `parallel`: the roles wait on the stack more than on the CPU)."""
    from local import seed as demo

    member = demo.example_member()
    other = next(member_id for member_id in demo.demo()["members"] if member_id != member["member_id"])
    chosen = roles(member["member_id"], other, member.get("affiliate") or "AASC")
    with tempfile.TemporaryDirectory(prefix="fuzz-report-") as directory, \
            ThreadPoolExecutor(max_workers=PARALLEL_ROLES if parallel else 1) as pool:
        return list(pool.map(lambda role: run_role(url, role, max_examples=max_examples, seed=seed,
                                                   report_dir=Path(directory), phases=phases), chosen))


def summary(results: list[Result]) -> str:
    lines = [f"{'role':<18} {'cases':>6}  failures"]
    for result in results:
        found = ", ".join(f"{title}: {count}" for title, count in sorted(result.failures.items())) or "none"
        if result.errors:
            found += f"; {result.errors} errors"
        if result.exit_code and not result.failures and not result.errors:
            found += f"; schemathesis exited {result.exit_code}"
        lines.append(f"{result.role:<18} {result.cases:>6}  {found}")
    lines.append(f"{'total':<18} {sum(r.cases for r in results):>6}  "
                 f"{sum(sum(r.failures.values()) + r.errors for r in results)} failures and errors")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running stack (default: start one)")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20271001)
    parser.add_argument("--phases", help="schemathesis phases (default: all)")
    parser.add_argument("--parallel", action="store_true", help="run the roles at the same time")
    arguments = parser.parse_args()
    started = time.monotonic()
    if arguments.url:
        results = fuzz(arguments.url, max_examples=arguments.max_examples, seed=arguments.seed,
                       phases=arguments.phases, parallel=arguments.parallel)
    else:
        with Stack() as stack:
            results = fuzz(stack.url, max_examples=arguments.max_examples, seed=arguments.seed,
                           phases=arguments.phases, parallel=arguments.parallel)
    print(summary(results))
    print(f"{time.monotonic() - started:.0f} s")
    for result in results:
        if not result.ok:
            print(f"\n--- {result.role} ---\n{result.output[-20000:]}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
