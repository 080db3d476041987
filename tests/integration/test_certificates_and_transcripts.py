"""Certificates with public verification, and the CEC transcript, on moto through
the HTTP handlers. PDFs are opened with pypdf and read as a member would."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader

from local import apigw
from renewal import clock
from tests.integration.conftest import STAFF, drain, member_claims
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AFFILIATE = {"sub": "a", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
M1, M2, M3 = member_claims("M-1"), member_claims("M-2"), member_claims("M-3")
VERIFICATION_KEYS = {"certificate_number", "valid", "name", "credential", "renewed_through"}
NUMBER = re.compile(r"Certificate number ([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})")
VERIFY_URL = re.compile(r"Verify at (\S+)")

RULE_SET_2026 = {
    **fresh(RULE_SET_2027), "renewal_year": 2026, "due_date": "2026-01-01", "grace_ends": "2026-03-31",
    "earning_window": {"start": "2025-01-01", "end": "2025-12-31"},
}


# ------------------------------------------------------------------ helpers


def call(api, method, path, *, claims=None, headers=None, query="", body=None):
    """The raw Lambda response, with any headers (Accept) the caller sends."""
    match = api.router.match(method, path)
    assert match, f"no route for {method} {path}"
    event = apigw.http_event(method=method, path=path, route_key=match.route_key,
                             path_parameters=match.path_parameters, query=query,
                             headers={"content-type": "application/json", **(headers or {})},
                             body=json.dumps(body) if body is not None else None, claims=claims)
    function = api.functions[match.function]
    return apigw.load_handler(function)(event, apigw.LambdaContext(function.logical_id))


def header(response, name):
    return {k.lower(): v for k, v in (response.get("headers") or {}).items()}.get(name.lower(), "")


def pdf_text(response):
    assert response["statusCode"] == 200, response.get("body")
    assert header(response, "content-type").startswith("application/pdf")
    assert response.get("isBase64Encoded") is True
    document = base64.b64decode(response["body"])
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


def certificate(api, claims, code="CAM"):
    return call(api, "GET", f"/me/certificates/{code}", claims=claims)


def certificate_text(api, claims, code="CAM"):
    return pdf_text(certificate(api, claims, code))


def number_in(text):
    found = NUMBER.search(text)
    assert found, text
    return found.group(1)


def verify(api, number):
    return api.request("GET", f"/verify/{number}")


def error(reply, status, code=None):
    assert reply.status == status, reply.text
    body = reply.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    if code:
        assert body["code"] == code, body
    return body


def raw_error(response, status):
    assert response["statusCode"] == status, response.get("body")
    body = json.loads(response["body"])["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


def put_member(api, member_id, first_name, last_name, *credentials):
    body = fresh(ANA)
    body.update(first_name=first_name, last_name=last_name)
    body["credentials"] = [{"code": code, "earned_on": earned_on} for code, earned_on in credentials]
    body["contact"]["email"] = f"{member_id.lower()}@example.org"
    assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201


def on(day):
    clock.set_today(dt.date.fromisoformat(day))


@pytest.fixture
def season(api):
    """2027 invoiced on 28 Nov 2026.
    M-1 Ana Diaz: CAM earned 2026-03-15 (first year: no CECs), paid -> renewed 2027; also CAMT.
    M-2 Ben Ortiz: CAM since 2019, unpaid, 8 CECs owed.  M-3 Cy Park: CAMT only."""
    for year, body in ((2026, RULE_SET_2026), (2027, RULE_SET_2027)):
        assert api.request("PUT", f"/admin/rule-sets/{year}", claims=STAFF, body=body).status == 200
    put_member(api, "M-1", "Ana", "Diaz", ("CAM", "2026-03-15"), ("CAMT", "2012-01-01"))
    put_member(api, "M-2", "Ben", "Ortiz", ("CAM", "2019-05-04"))
    put_member(api, "M-3", "Cy", "Park", ("CAMT", "2010-06-30"))
    assert api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027}).status == 202
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    paid = api.request("POST", "/admin/invoices/INV-2027-M-1/payments", claims=STAFF,
                       body={"method": "check", "reference": "chk 7", "amount_cents": 17500,
                             "received_on": "2026-11-20"})
    assert paid.status == 200, paid.text
    assert api.request("GET", "/me/renewals/2027", claims=M1).json()["status"] == "renewed"
    return api


# ------------------------------------------------------------------ certificates


def test_a_certificate_is_a_pdf_with_name_credential_dates_number_and_verification_url(season):
    api = season
    response = certificate(api, M1)
    assert "CAM-certificate.pdf" in header(response, "content-disposition")
    text = pdf_text(response)
    assert "Ana Diaz" in text
    assert "holds the credential CAM" in text
    assert "Earned on 2026-03-15" in text and "Renewed through 2027" in text
    number = number_in(text)
    url = VERIFY_URL.search(text).group(1)
    assert url.endswith(f"/verify/{number}") and url.startswith("http")
    # No contact data on the certificate either.
    for private in ("ana@example.org", "+17195550100", "1 Main St"):
        assert private not in text


def test_a_second_request_reissues_the_same_number(season):
    api = season
    first = number_in(certificate_text(api, M1))
    second = number_in(certificate_text(api, M1))
    assert first == second
    # Another credential, or another member, has a number of its own.
    camt = number_in(certificate_text(api, M1, "CAMT"))
    other = number_in(certificate_text(api, M3, "camt"))  # the code is read case-insensitively
    assert len({first, camt, other}) == 3


def test_verification_is_public_and_says_nothing_but_name_credential_and_renewal(season):
    api = season
    number = number_in(certificate_text(api, M1))
    reply = verify(api, number)  # no token
    assert reply.status == 200, reply.text
    assert reply.json() == {"certificate_number": number, "valid": True, "name": "Ana Diaz", "credential": "CAM",
                            "renewed_through": 2027}
    assert set(reply.json()) == VERIFICATION_KEYS
    for private in ("M-1", "ana@example.org", "+17195550100", "Main St", "AASC"):
        assert private not in reply.text
    # A token changes nothing, and a lower-case number is the same certificate.
    assert api.request("GET", f"/verify/{number.lower()}", claims=M2).json() == reply.json()


def test_unknown_certificate_numbers_are_404(season):
    api = season
    number_in(certificate_text(api, M1))
    for unknown in ("0000-0000-0000-0000", "ABCD", "M-1"):
        error(verify(api, unknown), 404)


def test_a_lapsed_credential_gets_no_certificate_and_its_old_number_verifies_invalid(season):
    api = season
    number = number_in(certificate_text(api, M2))  # 28 Nov 2026: the 2027 renewal is still open
    valid = verify(api, number).json()
    assert valid["valid"] is True and valid["name"] == "Ben Ortiz" and valid["renewed_through"] is None

    on("2027-04-01")  # after the grace period, unpaid
    assert api.request("GET", "/me/renewals/2027", claims=M2).json()["status"] == "lapsed"
    refused = raw_error(certificate(api, M2), 409)
    assert refused["code"] == "not_in_good_standing" and "lapsed" in refused["message"]
    assert refused["details"] == [{"credential": "CAM", "status": "lapsed"}]
    lapsed = verify(api, number)
    assert lapsed.status == 200
    assert set(lapsed.json()) == VERIFICATION_KEYS
    assert lapsed.json()["valid"] is False and lapsed.json()["credential"] == "CAM"
    # The renewed member's certificate still verifies on the same day.
    renewed = number_in(certificate_text(api, M1))
    assert verify(api, renewed).json()["valid"] is True


def test_a_credential_not_held_is_404(season):
    api = season
    for claims, code in ((M1, "CALP"), (M2, "CAMT"), (M3, "CAM"), (M1, "XYZ")):
        raw_error(certificate(api, claims, code), 404)
    # A member who does not exist has nothing to certify.
    raw_error(certificate(api, member_claims("M-404")), 404)


def test_a_camt_lifetime_certificate(season):
    api = season
    text = certificate_text(api, M3, "CAMT")
    assert "Cy Park" in text and "holds the credential CAMT" in text
    assert "Earned on 2010-06-30" in text and "Renewed through lifetime" in text
    number = number_in(text)
    assert verify(api, number).json() == {"certificate_number": number, "valid": True, "name": "Cy Park",
                                          "credential": "CAMT", "renewed_through": None}
    on("2030-01-01")  # a lifetime certificate never lapses
    assert verify(api, number).json()["valid"] is True
    assert certificate(api, M3, "CAMT")["statusCode"] == 200


def test_only_members_download_certificates_and_transcripts(season):
    api = season
    for claims, status in ((STAFF, 403), (AFFILIATE, 403), (None, 401)):
        for path, query in (("/me/certificates/CAM", ""), ("/me/cec-transcript", "renewal_year=2027")):
            for accept in ("application/pdf", "text/csv"):
                response = call(api, "GET", path, claims=claims, query=query, headers={"accept": accept})
                assert response["statusCode"] == status, (path, claims, response.get("body"))
                assert not response.get("isBase64Encoded") and "%PDF" not in response.get("body", "")


# ------------------------------------------------------------------ transcript


def post_roster(api, class_id, title, held_on, minutes, breaks=0, attendees=("M-2",)):
    reply = api.request("POST", f"/affiliate/classes/{class_id}/roster", claims=AFFILIATE,
                        body={"title": title, "held_on": held_on, "contact_minutes": minutes,
                              "break_minutes": breaks, "attendees": list(attendees)})
    assert reply.status == 200, reply.text
    return reply.json()


@pytest.fixture
def classes(season):
    """M-2 attended two AASC classes in the 2027 window (3 + 2 CECs) and one in 2025 (the 2026 window)."""
    api = season
    post_roster(api, "FH-2026-05", "Fair Housing Update", "2026-05-12", 240, 60)
    post_roster(api, "BUD-2026-09", "Budgeting Basics", "2026-09-10", 120)
    post_roster(api, "OLD-2025-10", "Old Leasing Law", "2025-10-01", 180)
    return api


def transcript(api, claims=M2, year=2027, accept=None):
    headers = {"accept": accept} if accept else {}
    return call(api, "GET", "/me/cec-transcript", claims=claims, query=f"renewal_year={year}", headers=headers)


def test_the_transcript_pdf_lists_the_windows_activities_and_the_totals(classes):
    api = classes
    response = transcript(api)
    assert "cec-transcript-2027.pdf" in header(response, "content-disposition")
    text = pdf_text(response)
    assert "Ben Ortiz" in text and "M-2" in text and "2027" in text
    assert "2026-01-01 to 2026-12-31" in text
    assert "Fair Housing Update (AASC)" in text and "2026-05-12" in text
    assert "Budgeting Basics (AASC)" in text and "2026-09-10" in text
    assert "Old Leasing Law" not in text and "2025-10-01" not in text  # outside the window
    for total in ("Required: 8", "Required in-network: 5", "Approved (countable): 5", "Approved in-network: 5",
                  "Outstanding: 3", "Outstanding in-network: 0", "Complete: no"):
        assert total in text, total


def test_the_transcript_as_json_has_the_same_activities_and_totals(classes):
    api = classes
    response = transcript(api, accept="application/json")
    assert response["statusCode"] == 200, response.get("body")
    assert header(response, "content-type").startswith("application/json")
    record = json.loads(response["body"])
    assert [(a["completed_on"], a["title"], a["cec"], a["in_network"], a["status"]) for a in record["activities"]] == [
        ("2026-05-12", "Fair Housing Update", 3.0, True, "approved"),
        ("2026-09-10", "Budgeting Basics", 2.0, True, "approved"),
    ]
    assert {k: record[k] for k in ("renewal_year", "required", "in_network_required", "approved",
                                   "approved_in_network", "in_review", "outstanding", "complete")} == {
        "renewal_year": 2027, "required": 8.0, "in_network_required": 5.0, "approved": 5.0,
        "approved_in_network": 5.0, "in_review": 0.0, "outstanding": 3.0, "complete": False}
    assert record["window"] == {"start": "2026-01-01", "end": "2026-12-31"}


def test_an_accept_header_that_prefers_pdf_or_none_gives_the_pdf(classes):
    api = classes
    for accept in (None, "application/pdf", "*/*"):
        assert "Fair Housing Update" in pdf_text(transcript(api, accept=accept))


def read_csv(response):
    assert response["statusCode"] == 200, response.get("body")
    assert header(response, "content-type").startswith("text/csv")
    assert "cec-transcript-2027.csv" in header(response, "content-disposition")
    return list(csv.reader(io.StringIO(response["body"])))


def test_the_transcript_csv_has_a_header_one_row_per_activity_and_totals_rows(classes):
    api = classes
    rows = read_csv(transcript(api, accept="text/csv"))
    assert rows[0] == ["completed_on", "title", "provider", "type", "cec", "in_network", "status", "note"]
    activities = [r for r in rows[1:] if r[3] != "total"]
    assert activities == [
        ["2026-05-12", "Fair Housing Update", "AASC", "affiliate_class", "3", "yes", "approved", ""],
        ["2026-09-10", "Budgeting Basics", "AASC", "affiliate_class", "2", "yes", "approved", ""],
    ]
    totals = {r[1]: r[4] for r in rows[1:] if r[3] == "total"}
    assert totals == {"Required": "8", "Required in-network": "5", "Approved (countable)": "5",
                      "Approved in-network": "5", "In review": "0", "Outstanding": "3",
                      "Outstanding in-network": "0", "Waived": "no", "Complete": "no"}
    assert rows[-len(totals):] == [r for r in rows if r[3] == "total"]  # the totals close the file
    assert sum(r.count("header") for r in rows) == 0 and rows.count(rows[0]) == 1


def test_each_renewal_years_transcript_holds_its_own_window(classes):
    api = classes
    rows = read_csv_any(transcript(api, year=2026, accept="text/csv"))
    assert [r[1] for r in rows[1:] if r[3] != "total"] == ["Old Leasing Law"]
    text = pdf_text(transcript(api, year=2026))
    assert "Old Leasing Law" in text and "Fair Housing Update" not in text
    # A member with no activity gets an empty record, with the totals.
    empty = read_csv_any(transcript(api, claims=M1, accept="text/csv"))
    assert [r for r in empty[1:] if r[3] != "total"] == []
    assert {r[1]: r[4] for r in empty[1:] if r[3] == "total"}["Required"] == "0"  # first year: no CECs
    assert "No activities in this earning window yet." in pdf_text(transcript(api, claims=M1))
    # A year without a rule set is unknown.
    raw_error(transcript(api, year=2031), 404)
    raw_error(transcript(api, year=2031, accept="text/csv"), 404)


def read_csv_any(response):
    assert response["statusCode"] == 200, response.get("body")
    assert header(response, "content-type").startswith("text/csv")
    return list(csv.reader(io.StringIO(response["body"])))


def test_a_waived_renewals_transcript_says_so(classes):
    api = classes
    assert api.request("POST", "/admin/members/M-2/waivers", claims=STAFF,
                       body={"type": "military_deployment", "renewal_year": 2027}).status == 201
    totals = {r[1]: r[4] for r in read_csv_any(transcript(api, accept="text/csv"))[1:] if r[3] == "total"}
    assert totals["Waived"] == "yes" and totals["Complete"] == "yes" and totals["Outstanding"] == "0"
    # A waived year keeps the credential in good standing: certified through it, and it does not lapse.
    text = certificate_text(api, M2)
    assert "Renewed through 2027" in text
    on("2027-04-01")
    assert verify(api, number_in(text)).json()["valid"] is True
