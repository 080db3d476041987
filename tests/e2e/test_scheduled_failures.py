"""On the local stack: a scheduled run that fails every attempt ends in a run
marked failed and in the alarms the template declares, never in silence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .stack import Client, eventually

# A year nobody's rule set covers, so the 1 October run has nothing to invoice with.
FIRED_ON = "2061-10-01"


@pytest.fixture
def on_the_first_of_october(client: Client) -> Iterator[None]:
    assert client.request("PUT", "/_local/clock", json={"today": FIRED_ON}).status_code == 200
    yield
    client.request("DELETE", "/_local/clock")


def test_an_invoice_run_without_a_rule_set_ends_failed_and_alarmed(client: Client, on_the_first_of_october) -> None:
    fired = client.request("POST", "/_local/schedules/AnnualInvoiceRun")

    # Lambda tried three times, then handed the event to the function's dead-letter queue.
    assert fired.status_code == 500
    (failure,) = fired.json()["error"]["details"]
    assert failure["attempts"] == 3 and failure["dead_letter_queue"] == "ScheduledRunDLQ"
    scheduled_time = failure["event"]["scheduled_time"]
    assert scheduled_time.startswith(FIRED_ON)
    run_id = "scheduled-" + "".join(c for c in scheduled_time if c.isdigit() or c in "TZ")

    staff = client.staff_token()

    def failed_run():
        reply = client.request("GET", f"/admin/invoice-runs/{run_id}", token=staff)
        return reply.json() if reply.status_code == 200 else None

    run = eventually(failed_run)
    assert run is not None, "the dead-letter function never recorded the run"
    assert run["status"] == "failed" and run["renewal_year"] == 2062 and run["finished_at"]

    alarms = {a["alarm"]: a for a in client.request("GET", "/_local/alarms").json()["alarms"]}
    assert alarms["RunFailedAlarm"]["state"] == "ALARM"
    assert alarms["DeadLetterAlarm"]["state"] == "ALARM"
    # Read and recorded: nothing waits in the dead-letter queue itself.
    assert alarms["ScheduledRunDLQAlarm"]["state"] == "OK"
