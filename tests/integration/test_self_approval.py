"""Nobody signs, credits or approves their own CECs (or waives their own
renewal), whatever groups their token carries: one person may be a member and
an affiliate officer, or a member and institute staff."""

from __future__ import annotations

from tests.integration.conftest import STAFF, drain
from tests.integration.test_cec_submissions import (  # noqa: F401 (season is a fixture)
    AASC, COMPLETE, M1, PROCESSOR, QUEUE, accepted, cec_of, error, form, review, season, submission,
)

# M-1 is also an officer of the AASC affiliate, and (another token) also institute staff.
M1_OFFICER = {**M1, "cognito:groups": ["member", "affiliate"], "custom:affiliate": "AASC"}
M1_STAFF = {**M1, "cognito:groups": ["member", "naaei"]}


def test_a_member_who_is_an_affiliate_officer_cannot_sign_their_own_form(season):
    api = season
    own = form(api, M1, *COMPLETE, verify=False)
    refused = error(api.request("POST", f"/affiliate/cec-forms/{own}/decision", claims=M1_OFFICER,
                                body={"decision": "verify"}), 403)
    assert refused["code"] == "own_record"
    assert api.request("GET", f"/me/cec-forms/{own}", claims=M1).json()["status"] == "awaiting_affiliate"
    # Another officer of the affiliate may.
    signed = api.request("POST", f"/affiliate/cec-forms/{own}/decision", claims=AASC, body={"decision": "verify"})
    assert signed.status == 200 and signed.json()["status"] == "verified"


def test_an_officer_posting_a_roster_with_their_own_name_credits_the_others_not_themselves(season):
    api = season
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 1440,
              "attendees": ["M-1", "M-2"]}
    posted = api.request("POST", "/affiliate/classes/FH-1/roster", claims=M1_OFFICER, body=roster)
    assert posted.status == 200, posted.text
    assert posted.json()["credited"] == ["M-2"] and posted.json()["not_credited_self"] == ["M-1"]
    assert cec_of(api, M1)["cec"]["approved"] == 0.0  # was 24 CECs, complete, with no one else involved
    assert cec_of(api, {**M1, "custom:member_id": "M-2", "sub": "user-M-2"})["cec"]["approved"] == 24.0

    # Posted again by another officer, the roster credits M-1 once.
    again = api.request("POST", "/affiliate/classes/FH-1/roster", claims=AASC, body=roster)
    assert again.json()["credited"] == ["M-1"] and again.json()["already_credited"] == ["M-2"]
    assert cec_of(api, M1)["cec"]["approved"] == 24.0


def test_staff_who_are_members_cannot_review_their_own_submission_or_waive_their_own_renewal(season):
    api = season
    submission_id = accepted(api, M1, form(api, M1, *COMPLETE))
    drain(QUEUE, PROCESSOR)
    assert error(review(api, submission_id, claims=M1_STAFF), 403)["code"] == "own_record"
    assert submission(api, M1, submission_id)["status"] == "in_review"
    assert review(api, submission_id, claims=STAFF).status == 200

    waiver = {"type": "emeritus", "renewal_year": 2027, "note": "retired"}
    assert error(api.request("POST", "/admin/members/M-1/waivers", claims=M1_STAFF, body=waiver), 403)["code"] \
        == "own_record"
    assert api.request("POST", "/admin/members/M-2/waivers", claims=M1_STAFF, body=waiver).status == 201
