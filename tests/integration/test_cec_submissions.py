"""CEC submissions on moto, through the HTTP handlers and the approval queue as
template.yaml wires it: validation, the SQS processor (redelivery, poison
messages, a failed send caught by the outbox sweep) and the institute's review."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

import boto3
import pytest

from local import apigw, template
from renewal import approval, clock, errors, keys
from renewal.adapters import queue, store
from renewal.auth import Principal
from tests.integration.conftest import QUEUES, STAFF, drain, member_claims, sent_emails
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AASC = {"sub": "aff-aasc", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
M1, M2, M3 = member_claims("M-1"), member_claims("M-2"), member_claims("M-3")
QUEUE, DLQ, PROCESSOR = "CecSubmissionQueue", "CecSubmissionDLQ", "ApprovalQueueFunction"


@pytest.fixture
def season(api):
    """Rule set 2027 (CAM: 8 CECs, 5 in-network, participation cap 2); three AASC members holding CAM."""
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    for member_id in ("M-1", "M-2", "M-3"):
        body = fresh(ANA)
        body["first_name"] = member_id
        body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    return api


def activity(kind="conference", minutes=300, completed_on="2026-06-01", breaks=0, title=None, provider="NAA Expo"):
    return {"type": kind, "title": title or f"{kind} {minutes}", "provider": provider, "completed_on": completed_on,
            "contact_minutes": minutes, "break_minutes": breaks}


# 8 CECs, all in-network: exactly what CAM needs for 2027.
COMPLETE = (activity("conference", 300, title="Expo 2026 sessions"),
            activity("online_course", 180, title="Leasing law online", provider="NAAEI"))


def form(api, claims, *activities, verify=True):
    reply = api.request("POST", "/me/cec-forms", claims=claims, body={"activities": list(activities)})
    assert reply.status == 201, reply.text
    form_id = reply.json()["form_id"]
    if verify:
        signed = api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=AASC,
                             body={"decision": "verify"})
        assert signed.status == 200, signed.text
    return form_id


def submit(api, claims, *form_ids, year=2027):
    return api.request("POST", "/me/cec-submissions", claims=claims,
                       body={"renewal_year": year, "form_ids": list(form_ids)})


def accepted(api, claims, *form_ids):
    reply = submit(api, claims, *form_ids)
    assert reply.status == 202, reply.text
    assert reply.json()["status"] == "queued"
    return reply.json()["submission_id"]


def submission(api, claims, submission_id):
    reply = api.request("GET", f"/me/cec-submissions/{submission_id}", claims=claims)
    assert reply.status == 200, reply.text
    return reply.json()


def in_review(api, claims, *activities):
    """A complete submission, processed by the approval queue: its id."""
    submission_id = accepted(api, claims, form(api, claims, *(activities or COMPLETE)))
    drain(QUEUE, PROCESSOR)
    assert submission(api, claims, submission_id)["status"] == "in_review"
    return submission_id


def review(api, submission_id, decision="approve", rejected=(), note=None, claims=STAFF):
    body = {"decision": decision, "rejected_activity_ids": list(rejected)}
    if note is not None:
        body["note"] = note
    return api.request("POST", f"/review/cec-submissions/{submission_id}/decision", claims=claims, body=body)


def cec_of(api, claims, year=2027):
    reply = api.request("GET", f"/me/renewals/{year}", claims=claims)
    assert reply.status == 200, reply.text
    return reply.json()


def error(reply, status):
    assert reply.status == status, reply.text
    body = reply.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


def rules(body):
    return sorted(d["rule"] for d in body["details"])


def emails_to(member_id):
    return [e for e in sent_emails() if e["to"] == [f"{member_id.lower()}@example.org"]]


def outbox():
    return list(store.query_all(keys.SUBMISSION_OUTBOX))


def queued_bodies(name=QUEUE):
    messages = boto3.client("sqs").receive_message(QueueUrl=QUEUES[name], MaxNumberOfMessages=10,
                                                   VisibilityTimeout=0).get("Messages", [])
    return [m["Body"] for m in messages]


# ------------------------------------------------------------------ submitting


def test_a_submission_4_cecs_short_is_refused_saying_4_are_missing(season):
    api = season
    short = form(api, M1, activity("conference", 240))  # 4 CECs of the 8 (5 in-network) CAM needs
    refused = error(submit(api, M1, short), 422)
    assert refused["details"] == [{"rule": "require_complete_submission", "missing": 4.0, "missing_in_network": 1.0}]
    assert "4 CECs" in refused["message"] and "missing" in refused["message"]
    # Nothing was written: the form can still be submitted, nothing was queued.
    assert api.request("GET", f"/me/cec-forms/{short}", claims=M1).json().get("submission_id") is None
    assert drain(QUEUE, PROCESSOR) == 0 and outbox() == []
    assert cec_of(api, M1)["cec"]["in_review"] == 0.0

    # Enough CECs, too few in-network: both figures must be reached.
    participation = form(api, M1, activity("conference", 120), activity("committee", 120),
                         activity("volunteer", 240))
    in_network_short = error(submit(api, M1, participation), 422)
    assert in_network_short["details"] == [
        {"rule": "require_complete_submission", "missing": 0.0, "missing_in_network": 3.0}]
    assert "3 in-network CECs" in in_network_short["message"]

    # Together with the rest, the same form goes through.
    rest = form(api, M1, activity("online_course", 240, provider="NAAEI"))
    assert submit(api, M1, short, rest).status == 202


def test_forms_unsigned_not_yours_submitted_or_outside_the_window_are_refused(season):
    api = season
    unsigned = form(api, M1, *COMPLETE, verify=False)
    assert rules(error(submit(api, M1, unsigned), 422)) == ["form_not_verified"]
    rejected = form(api, M1, *COMPLETE, verify=False)
    api.request("POST", f"/affiliate/cec-forms/{rejected}/decision", claims=AASC,
                body={"decision": "reject", "note": "no proof"})
    assert rules(error(submit(api, M1, rejected), 422)) == ["form_not_verified"]

    theirs = form(api, M2, *COMPLETE)
    assert rules(error(submit(api, M1, theirs), 422)) == ["form_not_yours"]
    assert rules(error(submit(api, M1, "F-M-1-000000000000"), 422)) == ["form_not_yours"]

    too_early = form(api, M1, activity("conference", 300, completed_on="2025-12-31"),
                     activity("online_course", 180, completed_on="2026-01-01"))
    early = error(submit(api, M1, too_early), 422)
    (detail,) = early["details"]
    assert detail["rule"] == "outside_earning_window" and detail["activity_id"].endswith("-1")

    done = form(api, M1, *COMPLETE)
    accepted(api, M1, done)
    twice = error(submit(api, M1, done), 422)
    assert rules(twice) == ["form_already_submitted"] and twice["details"][0]["form_id"] == done

    assert error(submit(api, M1, done, year=2031), 422)["code"] == "rule_set_missing"
    assert error(api.request("POST", "/me/cec-submissions", claims=M1, body={"renewal_year": 2027, "form_ids": []}),
                 422)
    assert error(submit(api, AASC, done), 403)
    assert submit(api, None, done).status == 401
    assert drain(QUEUE, PROCESSOR) == 1  # only the one accepted submission

    # An activity earned during the renewal year counts toward the next one, not this one.
    clock.set_today(dt.date(2027, 2, 1))
    during = form(api, M1, activity("conference", 300, completed_on="2027-01-15", title="Expo 2027"), COMPLETE[1])
    refused = error(submit(api, M1, during), 422)
    assert [(d["rule"], d["activity_id"].endswith("-1")) for d in refused["details"]] == [
        ("outside_earning_window", True)]
    assert "2026-01-01" in refused["details"][0]["message"]


def test_one_form_submitted_twice_at_the_same_moment_is_accepted_once(season, serialized_calls):
    from renewal import submissions

    api = season
    form_id = form(api, M1, *COMPLETE)
    member = Principal.from_claims(M1)
    start = threading.Barrier(4)
    outcomes = []

    def send():
        start.wait()
        try:
            outcomes.append(submissions.submit(member, submissions.SubmissionIn(renewal_year=2027, form_ids=[form_id])))
        except errors.RuleViolation as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    (winner,) = [o for o in outcomes if isinstance(o, submissions.SubmissionAccepted)]
    assert len(outcomes) == 4 and all(isinstance(o, errors.RuleViolation) and o.status == 422
                                      for o in outcomes if o is not winner)
    assert api.request("GET", f"/me/cec-forms/{form_id}", claims=M1).json()["submission_id"] == winner.submission_id
    assert drain(QUEUE, PROCESSOR) == 1
    assert cec_of(api, M1)["cec"]["in_review"] == 8.0


def test_an_accepted_submission_is_queued_then_put_in_review_by_the_processor(season):
    api = season
    form_id = form(api, M1, *COMPLETE)
    reply = submit(api, M1, form_id)
    assert reply.status == 202 and set(reply.json()) >= {"submission_id", "status"}
    submission_id = reply.json()["submission_id"]
    queued = submission(api, M1, submission_id)
    assert queued["status"] == "queued" and queued["renewal_year"] == 2027 and queued["form_ids"] == [form_id]
    assert {a["status"] for a in queued["activities"]} == {"pending"} and queued["total_cec"] == 8.0
    assert api.request("GET", f"/me/cec-forms/{form_id}", claims=M1).json()["submission_id"] == submission_id
    figures = cec_of(api, M1)["cec"]
    assert (figures["approved"], figures["in_review"], figures["outstanding"]) == (0.0, 8.0, 8.0)
    assert outbox() == []  # sent at once

    assert drain(QUEUE, PROCESSOR) == 1
    processed = submission(api, M1, submission_id)
    assert processed["status"] == "in_review" and {a["status"] for a in processed["activities"]} == {"pending"}
    assert error(api.request("GET", f"/me/cec-submissions/{submission_id}", claims=M2), 404)
    assert error(api.request("GET", "/me/cec-submissions/S-M-1-000000000000", claims=M1), 404)
    assert not [e for e in emails_to("M-1") if "submission" in e["subject"]]  # no decision yet


def test_a_redelivered_message_changes_nothing(season):
    api = season
    submission_id = accepted(api, M1, form(api, M1, *COMPLETE))
    (body,) = queued_bodies()
    assert json.loads(body) == {"member_id": "M-1", "submission_id": submission_id}
    drain(QUEUE, PROCESSOR)
    before = submission(api, M1, submission_id)
    sqs = boto3.client("sqs")
    for _ in range(2):
        sqs.send_message(QueueUrl=QUEUES[QUEUE], MessageBody=body)
    assert drain(QUEUE, PROCESSOR) == 2
    assert submission(api, M1, submission_id) == before
    listed = api.request("GET", "/review/cec-submissions", claims=STAFF, query="status=in_review").json()["items"]
    assert [s["submission_id"] for s in listed] == [submission_id]

    # Once decided, a late redelivery does not reopen it either.
    assert review(api, submission_id).status == 200
    sqs.send_message(QueueUrl=QUEUES[QUEUE], MessageBody=body)
    drain(QUEUE, PROCESSOR)
    assert submission(api, M1, submission_id)["status"] == "approved"
    assert cec_of(api, M1)["cec"]["approved"] == 8.0
    assert queued_bodies(DLQ) == []


def test_poison_messages_end_in_the_dead_letter_queue_without_blocking_others(season):
    api = season
    sqs = boto3.client("sqs")
    for poison in ("not json", json.dumps({"member_id": "M-1"})):
        sqs.send_message(QueueUrl=QUEUES[QUEUE], MessageBody=poison)
    submission_id = accepted(api, M1, form(api, M1, *COMPLETE))
    drain(QUEUE, PROCESSOR)
    assert submission(api, M1, submission_id)["status"] == "in_review"
    assert sorted(queued_bodies(DLQ)) == sorted(["not json", json.dumps({"member_id": "M-1"})])
    assert queued_bodies() == []


def test_a_failed_send_after_the_write_still_answers_202_and_the_sweep_sends_it(season, monkeypatch):
    api = season
    real_send = queue.send_all

    def unreachable(*_args, **_kwargs):
        raise queue.SendFailed("SQS is unreachable")

    monkeypatch.setattr(queue, "send_all", unreachable)
    submission_id = accepted(api, M1, form(api, M1, *COMPLETE))
    assert submission(api, M1, submission_id)["status"] == "queued"
    assert [(e["member_id"], e["submission_id"]) for e in outbox()] == [("M-1", submission_id)]
    assert drain(QUEUE, PROCESSOR) == 0  # nothing reached the queue
    assert cec_of(api, M1)["cec"]["in_review"] == 8.0  # the member sees it waiting, not lost

    function = template.functions()[PROCESSOR]
    (schedule,) = function.schedules
    sweep = apigw.load_handler(function)
    event = json.loads(schedule["input"])
    assert sweep(event, apigw.LambdaContext(PROCESSOR)) == {"resent": 0}  # still failing: kept for later
    assert len(outbox()) == 1

    monkeypatch.setattr(queue, "send_all", real_send)
    assert sweep(event, apigw.LambdaContext(PROCESSOR)) == {"resent": 1}
    assert outbox() == []
    assert drain(QUEUE, PROCESSOR) == 1
    assert submission(api, M1, submission_id)["status"] == "in_review"
    assert sweep(event, apigw.LambdaContext(PROCESSOR)) == {"resent": 0}


def test_duplicate_activities_are_refused_by_the_automatic_checks_with_a_note(season):
    api = season
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 240, "break_minutes": 60,
              "attendees": ["M-1"]}
    assert api.request("POST", "/affiliate/classes/FH-1/roster", claims=AASC, body=roster).json()["credited"] == ["M-1"]
    again = activity("affiliate_class", 240, breaks=60, completed_on="2026-05-12", title="fair housing update",
                     provider="AASC")
    first = in_review(api, M1, again, *COMPLETE)
    by_type = {a["type"]: a for a in submission(api, M1, first)["activities"]}
    assert by_type["affiliate_class"]["status"] == "rejected"
    assert "already" in by_type["affiliate_class"]["note"]
    assert by_type["conference"]["status"] == by_type["online_course"]["status"] == "pending"
    assert cec_of(api, M1)["cec"]["in_review"] == 8.0  # the roster credit is not counted twice

    # A second report of activities still pending review: refused in full, and the member is told why.
    second = accepted(api, M1, form(api, M1, *COMPLETE))
    drain(QUEUE, PROCESSOR)
    refused = submission(api, M1, second)
    assert refused["status"] == "rejected" and refused["note"]
    assert {a["status"] for a in refused["activities"]} == {"rejected"}
    assert all("already" in a["note"] for a in refused["activities"])
    (mail,) = [e for e in emails_to("M-1") if e["subject"] == "Your CEC submission was rejected"]
    assert second in mail["text"] and "already reported" in mail["text"]
    assert cec_of(api, M1)["cec"]["in_review"] == 8.0
    queue_ids = [s["submission_id"] for s in api.request(
        "GET", "/review/cec-submissions", claims=STAFF, query="status=in_review").json()["items"]]
    assert queue_ids == [first]


def test_the_completeness_check_counts_only_what_the_automatic_checks_would_accept(season):
    api = season
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 240, "break_minutes": 60,
              "attendees": ["M-1"]}
    assert api.request("POST", "/affiliate/classes/FH-1/roster", claims=AASC, body=roster).json()["credited"] == ["M-1"]
    # Only the class already credited (3 CECs): it counts nothing, so 5 are still missing (2 in-network).
    same_class = activity("affiliate_class", 240, breaks=60, completed_on="2026-05-12", title="Fair Housing Update",
                          provider="AASC")
    refused = error(submit(api, M1, form(api, M1, same_class)), 422)
    (detail,) = refused["details"]
    assert (detail["rule"], detail["missing"], detail["missing_in_network"]) == (
        "require_complete_submission", 5.0, 2.0)
    assert [n["reason"] for n in detail["not_counted"]] == ["This activity was already reported or credited."]
    # Committee hours beyond the participation cap count nothing either: 10 hours count 2.
    padding = form(api, M1, activity("committee", 600))
    refused = error(submit(api, M1, padding), 422)
    assert (refused["details"][0]["missing"], refused["details"][0]["missing_in_network"]) == (3.0, 2.0)
    assert drain(QUEUE, PROCESSOR) == 0 and cec_of(api, M1)["cec"]["in_review"] == 0.0


# ------------------------------------------------------------------ review


def test_the_review_queue_lists_oldest_first_page_by_page_for_staff_only(season):
    api = season
    order = [accepted(api, claims, form(api, claims, *COMPLETE)) for claims in (M2, M1, M3)]
    queued = api.request("GET", "/review/cec-submissions", claims=STAFF, query="status=queued").json()["items"]
    assert [s["submission_id"] for s in queued] == order
    drain(QUEUE, PROCESSOR)
    assert api.request("GET", "/review/cec-submissions", claims=STAFF, query="status=queued").json()["items"] == []

    seen, token, pages = [], None, 0
    while True:
        query = "status=in_review&limit=2" + (f"&next_token={token}" if token else "")
        page = api.request("GET", "/review/cec-submissions", claims=STAFF, query=query).json()
        assert len(page["items"]) <= 2
        seen += [s["submission_id"] for s in page["items"]]
        pages += 1
        token = page["next_token"]
        if not token:
            break
    assert seen == order and pages == 2
    default = api.request("GET", "/review/cec-submissions", claims=STAFF).json()["items"]  # in_review by default
    assert [s["submission_id"] for s in default] == order
    for claims in (M1, AASC):
        assert error(api.request("GET", "/review/cec-submissions", claims=claims, query="status=in_review"), 403)
        assert error(review(api, order[0], claims=claims), 403)
    assert api.request("GET", "/review/cec-submissions", claims=None).status == 401
    assert submission(api, M2, order[0])["status"] == "in_review"


def test_approving_raises_the_approved_figures_and_tells_the_member(season):
    api = season
    submission_id = in_review(api, M1)
    before = cec_of(api, M1)
    assert before["cec"]["approved"] == 0.0 and before["cec"]["in_review"] == 8.0 and not before["cec_complete"]

    reply = review(api, submission_id, note="Thank you")
    assert reply.status == 200, reply.text
    decided = reply.json()
    assert decided["status"] == "approved" and decided["decided_at"]
    assert {a["status"] for a in decided["activities"]} == {"approved"}
    assert submission(api, M1, submission_id)["status"] == "approved"

    after = cec_of(api, M1)
    assert after["cec_complete"] is True
    assert (after["cec"]["approved"], after["cec"]["approved_in_network"], after["cec"]["in_review"]) == (8.0, 8.0, 0.0)
    assert (after["cec"]["outstanding"], after["cec"]["outstanding_in_network"]) == (0.0, 0.0)
    assert after["status"] == "open" and after["paid"] is False  # the fee is still owed
    staff_view = api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json()
    assert staff_view["cec_complete"] is True and staff_view["cec"]["approved"] == 8.0

    (mail,) = [e for e in emails_to("M-1") if "submission" in e["subject"]]
    assert mail["subject"] == "Your CEC submission was approved" and submission_id in mail["text"]
    assert "Expo 2026 sessions" in mail["text"]

    assert error(review(api, submission_id), 409)["code"] == "already_decided"
    assert error(review(api, submission_id, "reject", note="changed my mind"), 409)
    assert submission(api, M1, submission_id)["status"] == "approved"
    assert api.request("GET", "/review/cec-submissions", claims=STAFF).json()["items"] == []


def test_approving_with_some_activities_rejected_is_partially_approved(season):
    api = season
    submission_id = in_review(api, M1)
    online = next(a["activity_id"] for a in submission(api, M1, submission_id)["activities"]
                  if a["type"] == "online_course")
    reply = review(api, submission_id, rejected=[online], note="No completion certificate for the course.")
    assert reply.status == 200, reply.text
    decided = reply.json()
    assert decided["status"] == "partially_approved"
    by_id = {a["activity_id"]: a for a in decided["activities"]}
    assert (by_id[online]["status"], by_id[online]["note"]) == ("rejected", "No completion certificate for the course.")
    assert [a["status"] for i, a in by_id.items() if i != online] == ["approved"]
    figures = cec_of(api, M1)
    assert (figures["cec"]["approved"], figures["cec"]["in_review"], figures["cec_complete"]) == (5.0, 0.0, False)
    (mail,) = [e for e in emails_to("M-1") if "submission" in e["subject"]]
    assert mail["subject"] == "Your CEC submission was partially approved"
    assert "No completion certificate for the course." in mail["text"] and "rejected" in mail["text"]


def test_rejecting_a_submission_counts_none_of_it(season):
    api = season
    submission_id = in_review(api, M1)
    reply = review(api, submission_id, "reject", note="Forms signed by the wrong office.")
    assert reply.status == 200, reply.text
    assert reply.json()["status"] == "rejected" and reply.json()["note"] == "Forms signed by the wrong office."
    assert {(a["status"], a["note"]) for a in reply.json()["activities"]} == {
        ("rejected", "Forms signed by the wrong office.")}
    figures = cec_of(api, M1)["cec"]
    assert (figures["approved"], figures["in_review"], figures["outstanding"]) == (0.0, 0.0, 8.0)
    (mail,) = [e for e in emails_to("M-1") if "submission" in e["subject"]]
    assert mail["subject"] == "Your CEC submission was rejected" and "Forms signed by the wrong office." in mail["text"]
    assert error(review(api, submission_id), 409)


def test_bad_decisions_are_refused_and_change_nothing(season):
    api = season
    queued = accepted(api, M2, form(api, M2, *COMPLETE))
    assert error(review(api, queued), 409)  # not through the automatic checks yet
    submission_id = in_review(api, M1)
    activity_id = submission(api, M1, submission_id)["activities"][0]["activity_id"]

    assert any(d.get("field") == "note" for d in error(review(api, submission_id, "reject"), 422)["details"])
    assert error(review(api, submission_id, rejected=[activity_id]), 422)  # rejecting some needs a note too
    unknown = error(review(api, submission_id, rejected=["nope-1"], note="x"), 422)
    assert unknown["details"] == [{"field": "rejected_activity_ids", "unknown": ["nope-1"]}]
    assert error(review(api, submission_id, "maybe"), 422)
    assert error(review(api, "S-M-1-000000000000"), 404)
    assert error(review(api, "whatever"), 404)
    assert review(api, submission_id, claims=None).status == 401
    assert submission(api, M1, submission_id)["status"] == "in_review"
    assert [e for e in emails_to("M-1") if "submission" in e["subject"]] == []


def test_two_reviewers_deciding_at_once_one_wins_the_other_gets_a_conflict(season, serialized_calls):
    api = season
    submission_id = in_review(api, M1)
    staff = Principal.from_claims(STAFF)
    decisions = [approval.ReviewDecision(decision="approve"),
                 approval.ReviewDecision(decision="reject", note="Duplicate of an earlier report.")] * 3
    start = threading.Barrier(len(decisions))
    outcomes: list = [None] * len(decisions)

    def reviewer(n):
        start.wait()
        try:
            outcomes[n] = approval.decide(staff, submission_id, decisions[n]).status
        except errors.Conflict as conflict:
            outcomes[n] = conflict

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in range(len(decisions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and winners[0] in ("approved", "rejected")
    assert all(isinstance(o, errors.Conflict) and o.status == 409 for o in outcomes if not isinstance(o, str))
    assert submission(api, M1, submission_id)["status"] == winners[0]
    assert len([e for e in emails_to("M-1") if "submission" in e["subject"]]) == 1
    assert cec_of(api, M1)["cec"]["approved"] == (8.0 if winners[0] == "approved" else 0.0)


def test_committee_2h_plus_legislative_2h_count_2_cecs_under_a_cap_of_2(season):
    api = season
    submission_id = in_review(api, M1, activity("committee", 120, title="Board meeting", provider="AASC"),
                              activity("legislative", 120, title="Capitol day", provider="AASC"),
                              activity("conference", 300), activity("online_course", 60, provider="NAAEI"))
    pending = cec_of(api, M1)["cec"]
    assert pending["in_review"] == 8.0  # 6 in-network + 2 of the 4 participation hours
    decided = review(api, submission_id)
    assert decided.status == 200, decided.text
    assert decided.json()["status"] == "approved"
    by_type = {a["type"]: a for a in decided.json()["activities"]}
    assert by_type["committee"]["status"] == "approved"
    assert by_type["legislative"]["status"] == "not_counted" and by_type["legislative"]["note"]
    figures = cec_of(api, M1)
    assert figures["cec"]["approved"] - figures["cec"]["approved_in_network"] == 2.0
    assert (figures["cec"]["approved"], figures["cec"]["approved_in_network"]) == (8.0, 6.0)
    assert figures["cec_complete"] is True

    # The cap is per year, across submissions: later teaching is recorded, not counted.
    later = in_review(api, M1, activity("teaching", 180, title="Taught leasing basics", provider="AASC"))
    teaching = review(api, later).json()
    assert teaching["status"] == "approved" and teaching["activities"][0]["status"] == "not_counted"
    assert cec_of(api, M1)["cec"]["approved"] == 8.0


def test_the_reviewer_gets_a_short_lived_link_to_the_scanned_document(season):
    api = season
    upload = api.request("POST", "/me/uploads", claims=M1,
                         body={"content_type": "application/pdf", "size_bytes": 2048}).json()
    boto3.client("s3").put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=upload["fields"]["key"],
                                  Body=b"%PDF-1.7", ContentType="application/pdf")
    created = api.request("POST", "/me/cec-forms", claims=M1,
                          body={"activities": list(COMPLETE), "document_upload_id": upload["upload_id"]})
    assert created.status == 201, created.text
    form_id = created.json()["form_id"]
    api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=AASC, body={"decision": "verify"})
    submission_id = accepted(api, M1, form_id)
    drain(QUEUE, PROCESSOR)
    (item,) = api.request("GET", "/review/cec-submissions", claims=STAFF, query="status=in_review").json()["items"]
    assert item["submission_id"] == submission_id
    # A presigned link to the kept copy (uploads/ expire after a day), whatever its field name.
    assert f"documents/M-1/{upload['upload_id']}" in json.dumps(item)



def test_a_roster_posted_while_the_same_class_waits_for_review_is_not_counted_twice(season):
    api = season
    reported = activity("affiliate_class", 240, breaks=60, completed_on="2026-05-12", title="Fair Housing Update",
                        provider="AASC")
    submission_id = in_review(api, M1, reported, activity("conference", 300))
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 240, "break_minutes": 60,
              "attendees": ["M-1"]}
    assert api.request("POST", "/affiliate/classes/FH-1/roster", claims=AASC, body=roster).status == 200
    assert review(api, submission_id).status == 200
    figures = cec_of(api, M1)["cec"]
    assert (figures["approved"], figures["approved_in_network"]) == (8.0, 8.0)  # the class once, plus the Expo


# ------------------------------------------------------------------ the member's list


def my_submissions(api, claims, limit=None, token=None):
    query = "&".join(part for part in (f"limit={limit}" if limit else "", f"next_token={token}" if token else "")
                     if part)
    reply = api.request("GET", "/me/cec-submissions", claims=claims, query=query)
    assert reply.status == 200, reply.text
    return reply.json()


def test_a_member_lists_their_own_submissions_newest_first_page_by_page(season):
    api = season
    assert my_submissions(api, M1) == {"items": [], "next_token": None}
    first = accepted(api, M1, form(api, M1, *COMPLETE))
    # Complete already: any further countable activity may follow in a submission of its own.
    second = accepted(api, M1, form(api, M1, activity("volunteer", 120, title="Food drive")))
    third = accepted(api, M1, form(api, M1, activity("volunteer", 60, title="Park clean-up")))
    accepted(api, M2, form(api, M2, *COMPLETE))

    listed = my_submissions(api, M1)
    assert [s["submission_id"] for s in listed["items"]] == [third, second, first]
    assert listed["next_token"] is None
    assert listed["items"][2]["status"] == "queued" and listed["items"][2]["total_cec"] == 8.0
    assert [a["title"] for a in listed["items"][0]["activities"]] == ["Park clean-up"]

    page_one = my_submissions(api, M1, limit=2)
    assert [s["submission_id"] for s in page_one["items"]] == [third, second] and page_one["next_token"]
    page_two = my_submissions(api, M1, limit=2, token=page_one["next_token"])
    assert [s["submission_id"] for s in page_two["items"]] == [first] and page_two["next_token"] is None

    drain(QUEUE, PROCESSOR)  # the list shows each submission's current status
    assert {s["status"] for s in my_submissions(api, M1)["items"]} == {"in_review"}
    assert len(my_submissions(api, M2)["items"]) == 1  # never another member's


def test_only_members_list_submissions_and_a_forged_token_is_refused(season):
    api = season
    for claims, status in ((STAFF, 403), (AASC, 403), (None, 401)):
        assert api.request("GET", "/me/cec-submissions", claims=claims).status == status
    error(api.request("GET", "/me/cec-submissions", claims=M1, query="next_token=garbage"), 422)
    error(api.request("GET", "/me/cec-submissions", claims=M1, query="limit=0"), 422)


def test_reject_refuses_a_list_and_every_decision_is_audited_with_its_note_and_ids(season):
    api = season
    submission_id = in_review(api, M1)
    ids = [a["activity_id"] for a in submission(api, M1, submission_id)["activities"]]
    refused = error(review(api, submission_id, "reject", rejected=ids[:1], note="Not accepted"), 422)
    assert refused["details"][0]["field"] == "rejected_activity_ids"
    assert submission(api, M1, submission_id)["status"] == "in_review"  # nothing decided
    assert review(api, submission_id, "approve", rejected=ids[:1], note="No certificate for the Expo").status == 200
    history = api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
    (entry,) = [e for e in history if e["action"] == "cec_submission.decide"]
    assert entry["changes"]["note"]["to"] == "No certificate for the Expo"
    assert entry["changes"]["rejected_activity_ids"]["to"] == ids[:1]
    assert entry["changes"]["approved_activity_ids"]["to"] == sorted(ids[1:])
