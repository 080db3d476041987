"""CECs on moto, through the HTTP handlers: affiliate class rosters, scanned
document uploads and CEC Reporting Forms signed (or rejected) by the affiliate."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading

import boto3
import pytest

from renewal import clock
from tests.integration.conftest import BUCKET, STAFF, member_claims, sent_emails
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AASC = {"sub": "aff-aasc", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
AAGD = {"sub": "aff-aagd", "cognito:groups": ["affiliate"], "custom:affiliate": "AAGD"}
M1, M2, M9 = member_claims("M-1"), member_claims("M-2"), member_claims("M-9")

RULE_SET_2026 = {
    **fresh(RULE_SET_2027), "renewal_year": 2026, "due_date": "2026-01-01", "grace_ends": "2026-03-31",
    "earning_window": {"start": "2025-01-01", "end": "2025-12-31"},
}

ROSTER = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 250, "break_minutes": 60,
          "attendees": ["M-1", "M-2"]}


@pytest.fixture
def season(api):
    """Rule sets 2026 and 2027; M-1 and M-2 belong to AASC, M-9 to AAGD (all CAM holders)."""
    for year, body in ((2026, RULE_SET_2026), (2027, RULE_SET_2027)):
        assert api.request("PUT", f"/admin/rule-sets/{year}", claims=STAFF, body=body).status == 200
    for member_id, affiliate in (("M-1", "AASC"), ("M-2", "AASC"), ("M-9", "AAGD")):
        body = fresh(ANA)
        body["affiliate"] = affiliate
        body["first_name"] = member_id
        body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    return api


def renewal(api, claims, year=2027):
    reply = api.request("GET", f"/me/renewals/{year}", claims=claims)
    assert reply.status == 200, reply.text
    return reply.json()


def post_roster(api, class_id, body=None, claims=AASC, **changes):
    return api.request("POST", f"/affiliate/classes/{class_id}/roster", claims=claims,
                       body={**fresh(body or ROSTER), **changes})


def activity(kind="conference", minutes=180, completed_on="2026-06-01", breaks=0, title=None, provider="Expo"):
    return {"type": kind, "title": title or f"{kind} {minutes}", "provider": provider, "completed_on": completed_on,
            "contact_minutes": minutes, "break_minutes": breaks}


def create_form(api, claims, *activities, upload_id=None):
    body = {"activities": list(activities) or [activity()]}
    if upload_id is not None:
        body["document_upload_id"] = upload_id
    return api.request("POST", "/me/cec-forms", claims=claims, body=body)


def new_form(api, claims, *activities):
    reply = create_form(api, claims, *activities)
    assert reply.status == 201, reply.text
    return reply.json()


def decide(api, form_id, decision, note=None, claims=AASC):
    body = {"decision": decision}
    if note is not None:
        body["note"] = note
    return api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=claims, body=body)


def affiliate_queue(api, claims=AASC, status="awaiting_affiliate", limit=None):
    """Every page of the affiliate's queue; returns (items, number of pages)."""
    items, token, pages = [], None, 0
    while True:
        query = f"status={status}" + (f"&limit={limit}" if limit else "") + (f"&next_token={token}" if token else "")
        reply = api.request("GET", "/affiliate/cec-forms", claims=claims, query=query)
        assert reply.status == 200, reply.text
        page = reply.json()
        if limit:
            assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        token = page["next_token"]
        if not token:
            return items, pages


def error(reply, status):
    assert reply.status == status, reply.text
    body = reply.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


# ------------------------------------------------------------------ rosters


def test_250_contact_minutes_with_60_of_breaks_credit_3_cecs_once(season):
    api = season
    first = post_roster(api, "FH-2026-05")
    assert first.status == 200, first.text
    assert first.json() == {"credited": ["M-1", "M-2"], "already_credited": [], "unknown_members": [], "cec": 3.0,
                            "not_credited_self": []}

    again = post_roster(api, "FH-2026-05")
    assert again.status == 200
    assert again.json() == {"credited": [], "already_credited": ["M-1", "M-2"], "unknown_members": [], "cec": 3.0,
                            "not_credited_self": []}

    for claims in (M1, M2):
        cec = renewal(api, claims)["cec"]
        assert (cec["approved"], cec["approved_in_network"], cec["in_review"]) == (3.0, 3.0, 0.0)
        assert (cec["outstanding"], cec["outstanding_in_network"]) == (5.0, 2.0)
    # The staff view agrees.
    staff_view = api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json()
    assert staff_view["cec"]["approved"] == 3.0 and staff_view["cec_complete"] is False


def test_the_same_roster_posted_at_the_same_moment_credits_each_attendee_once(season, serialized_calls):
    from renewal import rosters
    from renewal.auth import Principal

    api = season
    roster = rosters.Roster(**ROSTER)
    start = threading.Barrier(4)
    results = []

    def post():
        start.wait()
        results.append(rosters.post_roster(Principal.from_claims(AASC), "FH-RACE", roster))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    assert sorted(m for r in results for m in r.credited) == ["M-1", "M-2"]
    assert sorted(m for r in results for m in r.already_credited) == ["M-1"] * 3 + ["M-2"] * 3
    assert renewal(api, M1)["cec"]["approved"] == renewal(api, M2)["cec"]["approved"] == 3.0


def test_attendees_of_other_affiliates_and_unknown_ids_are_listed_not_credited(season):
    api = season
    reply = post_roster(api, "FH-MIXED", attendees=["M-1", "M-9", "M-NOBODY", "M-1"])
    assert reply.status == 200, reply.text
    assert reply.json() == {"credited": ["M-1"], "already_credited": [], "unknown_members": ["M-9", "M-NOBODY"],
                            "cec": 3.0, "not_credited_self": []}
    assert renewal(api, M1)["cec"]["approved"] == 3.0
    assert renewal(api, M9)["cec"]["approved"] == 0.0
    # M-9's own affiliate may credit M-9 for its own class.
    other = post_roster(api, "FH-MIXED", claims=AAGD, attendees=["M-9", "M-1"])
    assert other.json()["credited"] == ["M-9"] and other.json()["unknown_members"] == ["M-1"]
    assert renewal(api, M9)["cec"]["approved"] == 3.0 and renewal(api, M1)["cec"]["approved"] == 3.0


def test_only_the_affiliate_group_may_post_a_roster(season):
    api = season
    assert error(post_roster(api, "FH-1", claims=M1), 403)
    assert error(post_roster(api, "FH-1", claims=STAFF), 403)
    no_affiliate = {"sub": "aff-x", "cognito:groups": ["affiliate"]}
    assert error(post_roster(api, "FH-1", claims=no_affiliate), 403)
    unauthenticated = post_roster(api, "FH-1", claims=None)
    assert unauthenticated.status == 401
    assert renewal(api, M1)["cec"]["approved"] == 0.0


def test_a_class_in_the_future_or_worth_no_cec_is_refused(season):
    api = season
    future = error(post_roster(api, "FH-F", held_on="2026-11-29"), 422)
    assert any(d.get("field") == "held_on" for d in future["details"])
    worthless = error(post_roster(api, "FH-Z", contact_minutes=60, break_minutes=45), 422)
    assert worthless["details"] and "CEC" in worthless["message"]
    assert error(post_roster(api, "FH-Z", contact_minutes=0, break_minutes=0), 422)
    assert error(post_roster(api, "FH-B", contact_minutes=60, break_minutes=90), 422)
    assert error(post_roster(api, "FH-E", attendees=[]), 422)
    assert error(post_roster(api, "FH-U", unexpected=True), 422)
    assert renewal(api, M1)["cec"]["approved"] == 0.0
    # 29 minutes of education earn nothing, 30 earn half a credit, 89 one credit.
    assert post_roster(api, "FH-30", contact_minutes=90, break_minutes=60).json()["cec"] == 0.5
    assert post_roster(api, "FH-89", contact_minutes=89, break_minutes=0).json()["cec"] == 1.0


def test_a_class_counts_toward_the_renewal_year_whose_window_holds_its_date(season):
    api = season
    assert post_roster(api, "C-2026", held_on="2026-05-12").status == 200
    assert post_roster(api, "C-2025", held_on="2025-05-12", contact_minutes=120, break_minutes=0).json()["cec"] == 2.0
    # 2027 counts CECs earned in 2026 only: two years before is too early.
    assert renewal(api, M1, 2027)["cec"]["approved"] == 3.0
    assert renewal(api, M1, 2026)["cec"]["approved"] == 2.0

    # Window edges: 1 January and 31 December of 2026 count for 2027; a class held in 2027 counts for 2028 only.
    clock.set_today(dt.date(2027, 2, 1))
    assert post_roster(api, "C-EDGE-1", held_on="2026-01-01", contact_minutes=60, break_minutes=0).status == 200
    assert post_roster(api, "C-EDGE-2", held_on="2026-12-31", contact_minutes=60, break_minutes=0).status == 200
    assert post_roster(api, "C-2027", held_on="2027-01-15", contact_minutes=600, break_minutes=0).status == 200
    during = renewal(api, M1, 2027)["cec"]
    assert during["approved"] == 5.0 and during["approved_in_network"] == 5.0
    assert renewal(api, M1, 2026)["cec"]["approved"] == 2.0
    rule_set_2028 = {**fresh(RULE_SET_2027), "renewal_year": 2028, "due_date": "2028-01-01",
                     "grace_ends": "2028-03-31", "earning_window": {"start": "2027-01-01", "end": "2027-12-31"}}
    assert api.request("PUT", "/admin/rule-sets/2028", claims=STAFF, body=rule_set_2028).status == 200
    assert renewal(api, M1, 2028)["cec"]["approved"] == 10.0  # the 2027 class counts toward 2028


# ------------------------------------------------------------------ forms


def test_create_a_form_awaiting_the_affiliate_with_credit_per_activity(season):
    api = season
    reply = create_form(api, M1, activity("conference", 180), activity("committee", 120),
                        activity("online_course", 95, breaks=15), activity("volunteer", 59))
    assert reply.status == 201, reply.text
    form = reply.json()
    assert form["status"] == "awaiting_affiliate" and form["member_id"] == "M-1" and form["form_id"]
    assert [(a["type"], a["cec"], a["in_network"], a["status"]) for a in form["activities"]] == [
        ("conference", 3.0, True, "pending"), ("committee", 2.0, False, "pending"),
        ("online_course", 1.0, True, "pending"), ("volunteer", 0.5, False, "pending")]
    assert form["total_cec"] == 6.5
    assert len({a["activity_id"] for a in form["activities"]}) == 4
    assert form.get("verified_by") is None and form.get("verified_at") is None

    mine = api.request("GET", "/me/cec-forms", claims=M1)
    assert mine.status == 200 and [f["form_id"] for f in mine.json()["items"]] == [form["form_id"]]
    assert mine.json()["next_token"] is None
    one = api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M1)
    assert one.status == 200 and one.json()["activities"] == form["activities"]
    # Another member sees neither the form nor that it exists.
    assert error(api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M2), 404)
    assert api.request("GET", "/me/cec-forms", claims=M2).json()["items"] == []
    assert error(api.request("GET", "/me/cec-forms/F-M-1-000000000000", claims=M1), 404)
    assert api.request("GET", "/me/cec-forms", claims=None).status == 401
    assert error(api.request("GET", "/me/cec-forms", claims=AASC), 403)


def test_corporate_training_future_dates_and_unknown_fields_are_refused(season):
    api = season
    corporate = error(create_form(api, M1, activity(), activity("corporate_training", 240)), 422)
    (problem,) = corporate["details"]
    assert problem["field"] == "activities.1.type" and problem["rule"] == "not_accepted"
    assert "corporate" in problem["message"].lower()

    future = error(create_form(api, M1, activity(completed_on="2026-11-29")), 422)
    assert any(d.get("field") == "activities.0.completed_on" for d in future["details"])

    extra_top = error(api.request("POST", "/me/cec-forms", claims=M1,
                                  body={"activities": [activity()], "signed_by": "me"}), 422)
    assert extra_top["details"]
    extra_activity = error(create_form(api, M1, {**activity(), "cec": 40}), 422)
    assert extra_activity["details"]
    assert error(create_form(api, M1, activity("cooking_class")), 422)
    assert error(create_form(api, M1, activity(minutes=20)), 422)  # worth no CEC
    assert error(api.request("POST", "/me/cec-forms", claims=M1, body={"activities": []}), 422)
    assert api.request("POST", "/me/cec-forms", claims=M1, raw="{not json").status == 400
    assert api.request("GET", "/me/cec-forms", claims=M1).json()["items"] == []


def test_the_affiliate_queue_lists_only_its_own_members_forms_page_by_page(season):
    api = season
    ours = {new_form(api, M1, activity(title=f"Expo {n}"))["form_id"] for n in range(4)}
    ours.add(new_form(api, M2)["form_id"])
    theirs = new_form(api, M9)["form_id"]

    listed, pages = affiliate_queue(api, limit=2)
    assert pages == 3  # 2 + 2 + 1
    assert sorted(f["form_id"] for f in listed) == sorted(ours)
    assert [f["created_at"] for f in listed] == sorted(f["created_at"] for f in listed)  # oldest first
    assert {f["member_id"] for f in listed} == {"M-1", "M-2"}
    everything, _ = affiliate_queue(api)
    assert sorted(f["form_id"] for f in everything) == sorted(ours)

    assert [f["form_id"] for f in affiliate_queue(api, claims=AAGD)[0]] == [theirs]
    assert affiliate_queue(api, status="verified")[0] == []
    assert error(api.request("GET", "/affiliate/cec-forms", claims=M1), 403)
    assert error(api.request("GET", "/affiliate/cec-forms", claims=AASC, query="next_token=garbage!"), 422)
    assert error(api.request("GET", "/affiliate/cec-forms", claims=AASC, query="status=bogus"), 422)


def test_the_affiliate_verifies_and_signs_once_and_the_member_is_told(season):
    api = season
    form = new_form(api, M1)
    # Another affiliate cannot see or decide it.
    assert error(decide(api, form["form_id"], "verify", claims=AAGD), 404)
    assert error(decide(api, form["form_id"], "verify", claims=M1), 403)
    assert error(decide(api, "F-M-1-000000000000", "verify"), 404)

    signed = decide(api, form["form_id"], "verify")
    assert signed.status == 200, signed.text
    body = signed.json()
    assert body["status"] == "verified" and "aff-aasc" in body["verified_by"] and body["verified_at"]
    assert api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M1).json()["status"] == "verified"
    assert affiliate_queue(api)[0] == []
    assert [f["form_id"] for f in affiliate_queue(api, status="verified")[0]] == [form["form_id"]]

    assert error(decide(api, form["form_id"], "reject", note="too late"), 409)["code"] == "already_decided"
    assert error(decide(api, form["form_id"], "verify"), 409)
    assert api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M1).json()["status"] == "verified"

    mail = [e for e in sent_emails() if e["to"] == ["m-1@example.org"]]
    assert [e["subject"] for e in mail] == ["Your CEC Reporting Form was signed"]
    assert form["form_id"] in mail[0]["text"]


def test_the_affiliate_rejects_with_a_note_and_the_member_reads_why(season):
    api = season
    form = new_form(api, M2)
    no_note = error(decide(api, form["form_id"], "reject"), 422)
    assert any(d.get("field") == "note" for d in no_note["details"])
    assert error(decide(api, form["form_id"], "reject", note="   "), 422)
    assert api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M2).json()["status"] == "awaiting_affiliate"
    assert error(decide(api, form["form_id"], "sign"), 422)

    rejected = decide(api, form["form_id"], "reject", note="No attendance certificate attached.")
    assert rejected.status == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["note"] == "No attendance certificate attached."
    assert rejected.json().get("verified_by") is None
    assert error(decide(api, form["form_id"], "verify"), 409)

    (mail,) = [e for e in sent_emails() if e["to"] == ["m-2@example.org"]]
    assert mail["subject"] == "Your CEC Reporting Form was not signed"
    assert "No attendance certificate attached." in mail["text"]


# ------------------------------------------------------------------ uploads


def start_upload(api, claims=M1, content_type="application/pdf", size=123456):
    return api.request("POST", "/me/uploads", claims=claims, body={"content_type": content_type, "size_bytes": size})


def put_object(key, body=b"%PDF-1.7 scanned certificate", content_type="application/pdf"):
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=content_type)


def test_an_upload_is_a_presigned_post_under_the_members_prefix(season):
    api = season
    reply = start_upload(api)
    assert reply.status == 201, reply.text
    upload = reply.json()
    assert upload["upload_id"] and upload["url"] and BUCKET in upload["url"]
    assert upload["fields"]["key"].startswith("uploads/M-1/")
    assert upload["fields"]["Content-Type"] == "application/pdf"
    # The policy S3 enforces in AWS: this type, at most 10 MB, this key.
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"key": upload["fields"]["key"]} in policy["conditions"]
    assert start_upload(api, content_type="image/png", size=10 * 1024 * 1024).status == 201
    assert start_upload(api, content_type="image/jpeg").json()["fields"]["key"].startswith("uploads/M-1/")
    assert start_upload(api, claims=M2).json()["fields"]["key"].startswith("uploads/M-2/")

    too_large = error(start_upload(api, size=10 * 1024 * 1024 + 1), 422)
    assert too_large["details"]
    assert error(start_upload(api, content_type="text/plain"), 422)
    assert error(start_upload(api, content_type="application/zip"), 422)
    assert error(start_upload(api, size=0), 422)
    assert start_upload(api, claims=None).status == 401
    assert error(start_upload(api, claims=AASC), 403)


def test_a_form_may_reference_only_the_members_own_uploaded_document_of_an_allowed_type_and_size(season):
    api = season
    upload = start_upload(api).json()
    missing = error(create_form(api, M1, activity(), upload_id=upload["upload_id"]), 422)
    assert any(d.get("field") == "document_upload_id" for d in missing["details"])

    put_object(upload["fields"]["key"])
    # Another member cannot attach it.
    assert error(create_form(api, M2, activity(), upload_id=upload["upload_id"]), 422)
    assert error(create_form(api, M1, activity(), upload_id="U-M-1-0000000000000000"), 422)

    accepted = create_form(api, M1, activity(), upload_id=upload["upload_id"])
    assert accepted.status == 201, accepted.text
    form = accepted.json()
    assert form["document_upload_id"] == upload["upload_id"]
    shown = api.request("GET", f"/me/cec-forms/{form['form_id']}", claims=M1).json()
    kept = f"documents/M-1/{upload['upload_id']}"  # copied out of uploads/, which expire after a day
    assert shown["document_url"] and kept in shown["document_url"]
    assert "Expires=" in shown["document_url"]  # a short-lived presigned link
    (queued,) = affiliate_queue(api)[0]
    assert queued["form_id"] == form["form_id"] and kept in queued["document_url"]

    # moto does not enforce the POST policy: the server checks the object itself.
    wrong_type = start_upload(api).json()
    put_object(wrong_type["fields"]["key"], b"hello", content_type="text/plain")
    assert error(create_form(api, M1, activity(), upload_id=wrong_type["upload_id"]), 422)
    too_large = start_upload(api).json()
    put_object(too_large["fields"]["key"], b"\0" * (10 * 1024 * 1024 + 1))
    assert error(create_form(api, M1, activity(), upload_id=too_large["upload_id"]), 422)
    assert [f["form_id"] for f in api.request("GET", "/me/cec-forms", claims=M1).json()["items"]] == [form["form_id"]]
