"""`make run`'s default: the demo data set, loaded through the real handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import seed

from .stack import Client, LocalServer

pytestmark = pytest.mark.xdist_group("e2e")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    server = LocalServer(tmp_path_factory.mktemp("demo") / "state", seed="demo").start()
    yield Client(server)
    server.stop()


def test_every_demo_member_is_there(demo: Client) -> None:
    staff = demo.staff_token()
    members = seed.demo()["members"]

    found = {member_id: demo.request("GET", f"/admin/members/{member_id}", token=staff) for member_id in members}

    assert {member_id: r.status_code for member_id, r in found.items()} == {member_id: 200 for member_id in members}
    affiliates = {r.json()["affiliate"] for r in found.values()}
    assert affiliates == {"AASC", "AAGD"}
    held = {member_id: sorted(c["code"] for c in r.json()["credentials"]) for member_id, r in found.items()}
    assert ["CAMT"] in held.values()
    assert ["AIME", "CAMT"] in held.values()
    assert ["CALP", "CAM"] in held.values()
    assert held["M-1002"] == ["CALP", "CAM"]  # sent as NALP


def test_demo_rule_set_is_the_default_for_2027(demo: Client) -> None:
    response = demo.request("GET", "/admin/rule-sets/2027", token=demo.staff_token())

    assert response.status_code == 200, response.text
    rule_set = response.json()
    assert rule_set["due_date"] == "2027-01-01" and rule_set["grace_ends"] == "2027-03-31"
    assert rule_set["credentials"]["CAM"]["fee_cents"] == 17500
    assert rule_set["credentials"]["CAMT"]["renews_annually"] is False


def test_banner_prints_ready_to_paste_curl_lines(demo: Client) -> None:
    # The banner follows readiness (the queue pollers start in between): wait for it.
    deadline = time.monotonic() + 10
    while demo.url not in demo.server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    banner = demo.server.output()

    assert demo.url in banner
    assert f"{demo.url}/me" in banner
    assert f"{demo.url}/admin/members/M-1001" in banner


def test_demo_member_reads_own_record(demo: Client) -> None:
    response = demo.request("GET", "/me", token=demo.member_token("M-1003"))

    assert response.status_code == 200
    assert response.json()["credentials"][0]["status"] == "lifetime"


def test_a_restart_does_not_seed_again(demo: Client) -> None:
    staff = demo.staff_token()
    demo.request("PATCH", "/me/contact", token=demo.member_token("M-1001"), json={"phone": "+17195550199"})

    demo.server.restart()

    member = demo.request("GET", "/admin/members/M-1001", token=staff).json()
    assert member["contact"]["phone"] == "+17195550199"
    saved = json.loads(Path(demo.server.state_dir, "table.json").read_text())
    assert saved["items"]


def test_schedule_fans_out_over_sqs_and_mails_land_in_the_outbox(demo: Client) -> None:
    """The annual schedule starts a run; the stack's pollers work the invoice-job
    queue, so the run completes and its e-mails arrive within seconds."""
    staff = demo.staff_token()
    before = len(demo.request("GET", "/_local/outbox").json()["items"])

    fired = demo.request("POST", "/_local/schedules/AnnualInvoiceRun")

    assert fired.status_code == 200, fired.text
    run_id = fired.json()["result"]["run_id"]
    deadline = time.monotonic() + 20
    run: dict = {}
    while time.monotonic() < deadline:
        run = demo.request("GET", f"/admin/invoice-runs/{run_id}", token=staff).json()
        if run.get("status") != "running":
            break
        time.sleep(0.2)
    assert run["status"] == "completed", run
    assert run["invoices_created"] > 0
    mails = demo.request("GET", "/_local/outbox").json()["items"]
    assert len(mails) >= before + run["invoices_created"]
    assert all(mail["to"] and mail["subject"] and mail["sent_at"] for mail in mails)
