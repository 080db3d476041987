"""PUT/GET /admin/rule-sets/{renewal_year} on moto."""

import boto3

from renewal import keys
from renewal.adapters import store
from tests.integration.conftest import STAFF, TABLE, member_claims
from tests.integration.payloads import RULE_SET_2027, fresh


def test_staff_store_and_read_a_rule_set(api):
    put = api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    assert put.status == 200
    assert put.json()["credentials"]["CAM"]["fee_cents"] == 17500
    got = api.request("GET", "/admin/rule-sets/2027", claims=STAFF)
    assert got.status == 200
    assert got.json()["earning_window"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert got.json()["locked"] is False


def test_replacing_a_rule_set_keeps_the_last_one(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    changed = fresh(RULE_SET_2027)
    changed["credentials"]["CAM"]["fee_cents"] = 19900
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=changed).status == 200
    assert api.request("GET", "/admin/rule-sets/2027", claims=STAFF).json()["credentials"]["CAM"]["fee_cents"] == 19900


def test_unknown_year_is_404(api):
    reply = api.request("GET", "/admin/rule-sets/2031", claims=STAFF)
    assert reply.status == 404
    assert reply.json()["error"]["code"] == "not_found"


def test_year_in_body_must_match_path(api):
    reply = api.request("PUT", "/admin/rule-sets/2028", claims=STAFF, body=RULE_SET_2027)
    assert reply.status == 422
    assert reply.json()["error"]["details"][0]["field"] == "renewal_year"
    assert api.request("GET", "/admin/rule-sets/2028", claims=STAFF).status == 404


def test_invalid_rule_set_is_422_and_writes_nothing(api):
    bad = fresh(RULE_SET_2027)
    bad["grace_ends"] = "2026-12-01"
    reply = api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=bad)
    assert reply.status == 422
    body = reply.json()["error"]
    assert body["code"] == "validation_error" and body["message"] and body["details"]
    assert api.request("GET", "/admin/rule-sets/2027", claims=STAFF).status == 404


def test_members_and_affiliates_may_not_touch_rule_sets(api):
    affiliate = {"sub": "a", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
    for claims in (member_claims("M-1"), affiliate):
        assert api.request("PUT", "/admin/rule-sets/2027", claims=claims, body=RULE_SET_2027).status == 403
        assert api.request("GET", "/admin/rule-sets/2027", claims=claims).status == 403
    # A wrong group hears 403 even when its body is nonsense: the gate runs before validation.
    assert api.request("PUT", "/admin/rule-sets/2027", claims=member_claims("M-1"), raw="{nope").status == 403


def test_a_locked_year_refuses_changes_with_409(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    # The invoice run (issue #3) sets `locked_at`; here the test sets it the same way.
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key=store.to_item(keys.rule_set_key(2027)),
        UpdateExpression="SET locked_at = :t",
        ExpressionAttributeValues={":t": {"S": "2026-10-01T08:00:00Z"}},
    )
    changed = fresh(RULE_SET_2027)
    changed["reinstatement_fee_cents"] = 1
    reply = api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=changed)
    assert reply.status == 409
    assert reply.json()["error"]["code"] == "rule_set_locked"
    got = api.request("GET", "/admin/rule-sets/2027", claims=STAFF).json()
    assert got["reinstatement_fee_cents"] == 5000 and got["locked"] is True


def test_rule_set_changes_are_audited(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    entries = list(store.query_all(keys.rule_set_history_pk(2027)))
    assert len(entries) == 1
    assert entries[0]["action"] == "rule_set.put" and entries[0]["actor"] == "naaei:staff-1"
    assert entries[0]["changes"]["credentials.CAM.fee_cents"] == {"from": None, "to": 17500}


def test_the_group_gate_holds_on_a_named_stage(api):
    """Deployed on stage `dev`, rawPath carries the stage: the gate must still see /admin."""
    from local import apigw

    function = api.functions["StaffApiFunction"]
    event = apigw.http_event(method="PUT", path="/dev/admin/rule-sets/2027", route_key="PUT /admin/rule-sets/{renewal_year}",
                             path_parameters={"renewal_year": "2027"}, body="{}", stage="dev",
                             claims=member_claims("M-1"))
    response = apigw.load_handler(function)(event, apigw.LambdaContext("staff"))
    assert response["statusCode"] == 403, response["body"]
