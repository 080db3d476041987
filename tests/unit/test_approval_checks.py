"""The approval queue's automatic checks, on plain records (no AWS)."""

from renewal.approval import automatic_checks

WINDOW = {"earning_window": {"start": "2026-01-01", "end": "2026-12-31"}, "participation_cap": 2}


def activity(n, **changes):
    return {"activity_id": f"F-M-1-abc-{n}", "type": "conference", "title": f"Session {n}", "provider": "NAA",
            "completed_on": "2026-06-01", "cec": 2.0, "status": "pending", **changes}


def submission(*activities):
    return {"submission_id": "S-M-1-1", "form_ids": ["F-M-1-abc"], "terms": WINDOW, "activities": list(activities)}


FORM = {"SK": "FORM#F-M-1-abc", "form_id": "F-M-1-abc", "status": "verified", "submission_id": "S-M-1-1"}


def test_a_clean_submission_goes_to_a_reviewer():
    assert automatic_checks(submission(activity(1), activity(2)), [FORM]) == {}


def test_the_window_edges_count_and_the_days_outside_do_not():
    checked = submission(activity(1, completed_on="2026-01-01"), activity(2, completed_on="2026-12-31"),
                         activity(3, completed_on="2025-12-31"), activity(4, completed_on="2027-01-01"))
    assert sorted(automatic_checks(checked, [FORM])) == ["F-M-1-abc-3", "F-M-1-abc-4"]


def test_corporate_training_is_refused_with_a_reason():
    refused = automatic_checks(submission(activity(1, type="corporate_training")), [FORM])
    assert "Corporate in-house training" in refused["F-M-1-abc-1"]


def test_an_activity_already_credited_or_reported_twice_is_refused():
    credited = {"SK": "CEC#CLASS-AASC-1", "activity_id": "CLASS-AASC-1", "type": "conference", "title": "Session 1",
                "provider": "naa", "completed_on": "2026-06-01", "status": "approved"}
    refused = automatic_checks(submission(activity(1), activity(2), activity(3, title="Session 2")), [FORM, credited])
    assert sorted(refused) == ["F-M-1-abc-1", "F-M-1-abc-3"]


def test_a_form_that_is_not_a_signed_form_of_this_submission_is_refused():
    unsigned = {**FORM, "status": "awaiting_affiliate"}
    assert list(automatic_checks(submission(activity(1)), [unsigned])) == ["F-M-1-abc-1"]
    assert list(automatic_checks(submission(activity(1)), [])) == ["F-M-1-abc-1"]
