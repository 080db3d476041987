"""Submissions as large as the API accepts (10 forms of 25 activities): every
write that grows with a submission stays within DynamoDB's limits (100 items a
transaction, 400 KB an item), from submitting through the automatic checks to
the reviewer's decision."""

from __future__ import annotations

from tests.integration.conftest import STAFF, drain
from tests.integration.test_cec_submissions import (  # noqa: F401 (season is a fixture)
    M1, PROCESSOR, QUEUE, accepted, activity, cec_of, form, review, season, submission,
)


def _forms(api, count, per_form=25, *, repeat_every=0):
    """`count` signed forms of `per_form` one-hour conference sessions on distinct
    days; with `repeat_every`, that line of each group repeats the line before it."""
    form_ids = []
    for f in range(count):
        activities = []
        for n in range(per_form):
            same = n - 1 if repeat_every and n % repeat_every == repeat_every - 1 else n
            activities.append(activity("conference", 60, completed_on=f"2026-{1 + f:02d}-{1 + same:02d}",
                                       title=f"Session {f}-{same}"))
        form_ids.append(form(api, M1, *activities))
    return form_ids


def test_four_forms_of_25_activities_are_accepted_checked_and_approved_in_full(season):
    api = season
    submission_id = accepted(api, M1, *_forms(api, 4))  # 100 activities: 106 writes in one transaction before
    assert cec_of(api, M1)["cec"]["in_review"] == 100.0

    drain(QUEUE, PROCESSOR)
    assert submission(api, M1, submission_id)["status"] == "in_review"

    decided = review(api, submission_id)
    assert decided.status == 200, decided.text
    assert decided.json()["status"] == "approved"
    shown = submission(api, M1, submission_id)
    assert [a["status"] for a in shown["activities"]] == ["approved"] * 100
    progress = cec_of(api, M1)["cec"]
    assert (progress["approved"], progress["in_review"], progress["outstanding"]) == (100.0, 0.0, 0.0)


def test_the_largest_submission_with_many_refusals_and_a_long_rejection_note_is_decided(season):
    api = season
    # 10 forms of 25: 250 activities, every fifth refused by the automatic checks (reported twice).
    submission_id = accepted(api, M1, *_forms(api, 10, repeat_every=5))
    drain(QUEUE, PROCESSOR)
    checked = submission(api, M1, submission_id)
    assert checked["status"] == "in_review"
    refused = [a for a in checked["activities"] if a["status"] == "rejected"]
    assert len(refused) == 50 and all("already reported" in a["note"] for a in refused)

    pending = [a["activity_id"] for a in checked["activities"] if a["status"] == "pending"]
    assert len(pending) == 200
    note = "Please attach the attendance certificates. " * 45  # close to the 2,000 characters allowed
    decided = review(api, submission_id, rejected=pending[:150], note=note.strip())
    assert decided.status == 200, decided.text
    assert decided.json()["status"] == "partially_approved"
    statuses = [a["status"] for a in submission(api, M1, submission_id)["activities"]]
    assert (statuses.count("approved"), statuses.count("rejected")) == (50, 200)
    assert cec_of(api, M1)["cec"]["approved"] == 50.0
    # The reviewer's note reaches every activity it rejected.
    shown = submission(api, M1, submission_id)["activities"]
    assert all(a["note"] == note.strip() for a in shown if a["activity_id"] in pending[:150])


def test_a_whole_submission_rejected_at_once_counts_nothing(season):
    api = season
    submission_id = accepted(api, M1, *_forms(api, 5))
    drain(QUEUE, PROCESSOR)
    decided = review(api, submission_id, decision="reject", note="Not in the earning window.", claims=STAFF)
    assert decided.status == 200, decided.text
    assert decided.json()["status"] == "rejected"
    progress = cec_of(api, M1)["cec"]
    assert (progress["approved"], progress["in_review"]) == (0.0, 0.0)
