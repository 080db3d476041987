"""Members: staff upsert, `/me`, and the member's own contact changes, on moto."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from renewal import keys
from renewal.adapters import store
from tests.integration.conftest import STAFF, member_claims
from tests.integration.payloads import ANA, fresh


def put_ana(api, **changes):
    return api.request("PUT", "/admin/members/M-1001", claims=STAFF, body={**fresh(ANA), **changes})


def test_put_creates_then_replaces(api):
    created = put_ana(api)
    assert created.status == 201
    member = created.json()
    assert member["member_id"] == "M-1001"
    assert [c["code"] for c in member["credentials"]] == ["CAM", "CALP"]  # NALP is CALP
    assert all(c["status"] == "active" for c in member["credentials"])
    replaced = put_ana(api, last_name="Diaz-Lopez")
    assert replaced.status == 200
    assert api.request("GET", "/admin/members/M-1001", claims=STAFF).json()["last_name"] == "Diaz-Lopez"


def test_camt_reads_lifetime(api):
    put_ana(api, credentials=[{"code": "CAMT", "earned_on": "2010-01-01"}])
    assert api.request("GET", "/me", claims=member_claims("M-1001")).json()["credentials"] == [
        {"code": "CAMT", "earned_on": "2010-01-01", "status": "lifetime", "renewed_through": None}
    ]


def test_derived_credential_fields_sent_by_staff_are_ignored(api):
    body = fresh(ANA)
    body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04", "status": "lapsed", "renewed_through": 2031}]
    assert api.request("PUT", "/admin/members/M-1001", claims=STAFF, body=body).json()["credentials"][0] == {
        "code": "CAM", "earned_on": "2019-05-04", "status": "active", "renewed_through": None}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"contact": {"email": "nope"}}, "contact.email"),
        ({"credentials": [{"code": "XYZ", "earned_on": "2019-01-01"}]}, "credentials.0.code"),
        ({"credentials": [{"code": "CAM", "earned_on": "2027-01-01"}]}, "credentials.earned_on"),
        ({"first_name": ""}, "first_name"),
        ({"member_id": "M-2"}, "member_id"),
        ({"affiliate": "AA SC"}, "affiliate"),
    ],
)
def test_invalid_member_is_422_and_writes_nothing(api, changes, field):
    reply = put_ana(api, **changes)
    assert reply.status == 422, reply.text
    assert any(d.get("field") == field for d in reply.json()["error"]["details"]), reply.text
    assert api.request("GET", "/admin/members/M-1001", claims=STAFF).status == 404


def test_bad_member_id_in_path_is_refused(api):
    reply = api.request("PUT", "/admin/members/M_1", claims=STAFF, body=fresh(ANA))
    assert reply.status == 422


def test_unknown_member_is_404(api):
    reply = api.request("GET", "/admin/members/M-404", claims=STAFF)
    assert reply.status == 404 and reply.json()["error"]["code"] == "not_found"


def test_me_reads_only_the_callers_own_record(api):
    put_ana(api)
    me = api.request("GET", "/me", claims=member_claims("M-1001"))
    assert me.status == 200 and me.json()["first_name"] == "Ana"
    assert api.request("GET", "/me", claims=member_claims("M-2002")).status == 404
    assert api.request("GET", "/admin/members/M-1001", claims=member_claims("M-1001")).status == 403


def test_me_needs_the_member_group_and_a_member_id(api):
    put_ana(api)
    assert api.request("GET", "/me", claims=STAFF).status == 403
    assert api.request("GET", "/me", claims={"sub": "u", "cognito:groups": ["member"]}).status == 403
    assert api.request("GET", "/me", claims=None).status == 401


def test_patch_contact_changes_only_what_is_sent(api):
    put_ana(api)
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"phone": "(719) 555-0199"})
    assert reply.status == 200
    contact = reply.json()["contact"]
    assert contact["phone"] == "+17195550199"
    assert contact["email"] == "ana@example.org"
    assert contact["address"]["city"] == "Colorado Springs"
    assert api.request("GET", "/me", claims=member_claims("M-1001")).json()["contact"]["phone"] == "+17195550199"


def test_a_full_address_replaces_the_stored_one(api):
    put_ana(api)
    new_address = {"line1": "9 Elm", "city": "Denver", "state": "CO", "postal_code": "80202"}
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"address": new_address})
    assert reply.json()["contact"]["address"] == {**new_address, "line2": None, "country": "US"}


@pytest.mark.parametrize(
    "patch",
    [{"email": "not-an-email"}, {"phone": "12"}, {"address": {"line1": "x", "city": "y", "state": "XX",
     "postal_code": "80202"}}, {"fax": "1"}, {"email": None}],
)
def test_bad_contact_patch_is_422_and_changes_nothing(api, patch):
    put_ana(api)
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body=patch)
    assert reply.status == 422
    assert reply.json()["error"]["code"] == "validation_error"
    assert api.request("GET", "/me", claims=member_claims("M-1001")).json()["contact"] == ANA["contact"]


@pytest.mark.parametrize("raw", ["{bad json", "", "[1, 2]", "null", '"text"'])
def test_malformed_or_non_object_bodies_never_500(api, raw):
    put_ana(api)
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), raw=raw)
    assert reply.status in (400, 422), reply.text
    assert set(reply.json()["error"]) == {"code", "message", "details"}


def test_contact_changes_and_staff_edits_are_audited(api):
    put_ana(api)
    api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"email": "ana.diaz@example.org"})
    history = list(store.query_all(keys.member_history_pk("M-1001")))
    assert [entry["action"] for entry in history] == ["member.create", "contact.update"]
    assert history[1]["actor"] == "member:user-M-1001"
    assert history[1]["changes"] == {"contact.email": {"from": "ana@example.org", "to": "ana.diaz@example.org"}}


def test_concurrent_contact_changes_never_lose_one_silently(api, serialized_calls):
    """Two writers race; each either lands or gets 409, and the record matches a winner."""
    put_ana(api)
    phones = [f"+1719555{n:04d}" for n in range(110, 118)]

    def change(phone):
        return phone, api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"phone": phone}).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(change, phones))
    assert {status for _, status in results} <= {200, 409}
    winners = [phone for phone, status in results if status == 200]
    assert winners
    final = api.request("GET", "/me", claims=member_claims("M-1001")).json()["contact"]["phone"]
    assert final in winners
    history = list(store.query_all(keys.member_history_pk("M-1001")))
    assert len(history) == 1 + len(winners)  # exactly one audit entry per change that landed


def test_a_json_body_sent_without_its_content_type_is_still_read_as_json(api):
    from local import apigw

    put_ana(api)
    function = api.functions["MembersApiFunction"]
    event = apigw.http_event(method="PATCH", path="/me/contact", route_key="PATCH /me/contact",
                             headers={"content-type": "application/x-www-form-urlencoded"},
                             body='{"phone": "719 555 0142"}', claims=member_claims("M-1001"))
    response = apigw.load_handler(function)(event, apigw.LambdaContext("members"))
    assert response["statusCode"] == 200, response["body"]


def test_a_body_of_bytes_that_are_not_text_is_400_not_500(api):
    from local import apigw

    put_ana(api)
    function = api.functions["StaffApiFunction"]
    event = apigw.http_event(method="PUT", path="/admin/members/M-1001", route_key="PUT /admin/members/{member_id}",
                             path_parameters={"member_id": "M-1001"}, headers={"content-type": "application/octet-stream"},
                             body=b"\xcc PD\xd9\x11\x1f", claims=STAFF)
    assert event["isBase64Encoded"] is True
    response = apigw.load_handler(function)(event, apigw.LambdaContext("staff"))
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]["code"] == "malformed_json"


def test_part_of_an_address_is_merged_into_the_stored_one(api):
    put_ana(api)
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"),
                        body={"address": {"line1": "9 Elm St", "postal_code": "80904"}})
    assert reply.status == 200, reply.text
    assert reply.json()["contact"]["address"] == {**ANA["contact"]["address"], "line1": "9 Elm St",
                                                  "postal_code": "80904"}
    bad = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"address": {"state": "ZZ"}})
    assert bad.status == 422 and bad.json()["error"]["details"][0]["field"] == "address.state"


def test_a_partial_address_with_nothing_stored_must_be_complete(api):
    body = fresh(ANA)
    body["contact"].pop("address")
    api.request("PUT", "/admin/members/M-1001", claims=STAFF, body=body)
    reply = api.request("PATCH", "/me/contact", claims=member_claims("M-1001"), body={"address": {"city": "Denver"}})
    assert reply.status == 422
    assert {d["field"] for d in reply.json()["error"]["details"]} >= {"address.line1", "address.state"}
