"""Finding members: staff search every member, an affiliate office its own,
by member id, e-mail or name, whatever the case and accents; on moto."""

import pytest

from renewal import directory, keys
from renewal.adapters import store
from tests.integration.conftest import STAFF, member_claims
from tests.integration.payloads import ANA, fresh

AFFILIATE = {"sub": "aasc-office", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}


def put_member(api, member_id, first, last, *, email=None, affiliate="AASC", credentials=None):
    body = fresh(ANA)
    body.update(first_name=first, last_name=last, affiliate=affiliate)
    body["contact"]["email"] = email or f"{member_id.lower()}@example.org"
    if credentials is not None:
        body["credentials"] = credentials
    reply = api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    assert reply.status in (200, 201), reply.text
    return reply


def search(api, q, claims=STAFF, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items() if v is not None)
    return api.request("GET", "/admin/members", claims=claims, query=query)


def ids(reply):
    assert reply.status == 200, reply.text
    return [m["member_id"] for m in reply.json()["items"]]


@pytest.fixture
def members(api):
    put_member(api, "M-1001", "Ana", "Díaz", email="Ana.Diaz@Example.org")
    put_member(api, "M-1002", "Bruno", "Diaz-Lopez", affiliate="NYAA")
    put_member(api, "M-2001", "Carla", "de la Cruz")
    put_member(api, "X-77", "Diana", "Smith")
    return api


def test_name_prefix_ignores_case_and_accents(members):
    for q in ("díaz", "DIAZ", "Diaz", "DÍAZ"):
        assert ids(search(members, q)) == ["M-1001", "M-1002"], q
    assert ids(search(members, "dia")) == ["X-77", "M-1001", "M-1002"]  # Diana, then the Díazes


def test_first_name_and_later_words_of_a_name_are_found(members):
    assert ids(search(members, "carla")) == ["M-2001"]
    assert ids(search(members, "cruz")) == ["M-2001"]
    assert ids(search(members, "lopez")) == ["M-1002"]


def test_member_id_prefix(members):
    assert ids(search(members, "M-10")) == ["M-1001", "M-1002"]
    assert ids(search(members, "m-2001")) == ["M-2001"]


def test_email_equality_whatever_the_case(members):
    assert ids(search(members, "ana.diaz@example.org")) == ["M-1001"]
    assert ids(search(members, "ANA.DIAZ@EXAMPLE.ORG")) == ["M-1001"]
    assert ids(search(members, "ana.diaz@example")) == []  # equality, not a prefix


def test_several_words_narrow_the_search(members):
    assert ids(search(members, "ana díaz")) == ["M-1001"]
    assert ids(search(members, "Díaz, Ana")) == ["M-1001"]


def test_a_result_row_has_what_a_list_shows(members):
    (row,) = search(members, "ana diaz").json()["items"]
    assert row == {"member_id": "M-1001", "name": "Ana Díaz", "first_name": "Ana", "last_name": "Díaz",
                   "email": "Ana.Diaz@example.org", "affiliate": "AASC", "credentials": ["CAM", "CALP"]}


def test_a_query_too_short_to_search_is_422(members):
    reply = search(members, "d")
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "q"
    assert search(members, "").status == 422
    assert members.request("GET", "/admin/members", claims=STAFF).status == 422


def test_search_is_paged(members):
    for n in range(5):
        put_member(members, f"P-{n}", "Pat", f"Paged{n}")
    first = search(members, "paged", limit=2).json()
    assert len(first["items"]) == 2 and first["next_token"]
    seen = [m["member_id"] for m in first["items"]]
    token = first["next_token"]
    while token:
        page = search(members, "paged", limit=2, next_token=token).json()
        seen += [m["member_id"] for m in page["items"]]
        token = page["next_token"]
    assert seen == [f"P-{n}" for n in range(5)]


def test_a_token_from_another_query_is_refused(members):
    for n in range(3):
        put_member(members, f"P-{n}", "Pat", f"Paged{n}")
    token = search(members, "paged", limit=1).json()["next_token"]
    reply = search(members, "smith", next_token=token)
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "next_token"


def test_an_edit_moves_the_member_in_the_directory(members):
    put_member(members, "M-1001", "Ana", "Martínez", email="ana.m@example.org", affiliate="NYAA")
    assert ids(search(members, "diaz")) == ["M-1002"]
    assert ids(search(members, "martinez")) == ["M-1001"]
    assert ids(search(members, "ana.diaz@example.org")) == []
    assert ids(search(members, "ana.m@example.org")) == ["M-1001"]
    stored = {item["SK"] for item in store.query_all(keys.directory_pk("M-1001"))}
    assert stored == {"TERM#m1001", "TERM#ana", "TERM#martinez"}


def test_a_members_own_email_change_is_searchable(members):
    reply = members.request("PATCH", "/me/contact", claims=member_claims("M-1001"),
                            body={"email": "ana.new@example.org"})
    assert reply.status == 200, reply.text
    assert ids(search(members, "ana.new@example.org")) == ["M-1001"]
    assert ids(search(members, "ana.diaz@example.org")) == []
    assert directory.members_with_email("ANA.NEW@example.org") == ["M-1001"]


def test_the_search_needs_staff(members):
    assert search(members, "diaz", claims=AFFILIATE).status == 403
    assert search(members, "diaz", claims=member_claims("M-1001")).status == 403


# ---------------------------------------------------------------- affiliate


def affiliate_search(api, q=None, claims=AFFILIATE, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items() if v is not None)
    return api.request("GET", "/affiliate/members", claims=claims, query=query)


def test_an_affiliate_finds_only_its_own_members(members):
    assert ids(affiliate_search(members, "diaz")) == ["M-1001"]  # Bruno is NYAA's
    assert ids(affiliate_search(members, "m-1002")) == []
    assert ids(affiliate_search(members, "bruno.x@example.org")) == []
    assert ids(affiliate_search(members, "m-1002@example.org")) == []
    nyaa = {**AFFILIATE, "custom:affiliate": "NYAA"}
    assert ids(affiliate_search(members, "m-1002@example.org", claims=nyaa)) == ["M-1002"]
    assert ids(affiliate_search(members, "DIAZ", claims=nyaa)) == ["M-1002"]


def test_without_a_query_an_affiliate_lists_its_members_by_name_paged(members):
    first = affiliate_search(members, limit=2).json()
    assert [m["name"] for m in first["items"]] == ["Carla de la Cruz", "Ana Díaz"]
    second = affiliate_search(members, limit=2, next_token=first["next_token"]).json()
    assert [m["name"] for m in second["items"]] == ["Diana Smith"]
    assert second["next_token"] is None


def test_a_member_who_changes_affiliate_leaves_the_old_list(members):
    put_member(members, "M-1001", "Ana", "Díaz", affiliate="NYAA")
    assert "M-1001" not in ids(affiliate_search(members))
    put_member(members, "M-1001", "Ana", "Díaz", affiliate=None)
    nyaa = {**AFFILIATE, "custom:affiliate": "NYAA"}
    assert ids(affiliate_search(members, claims=nyaa)) == ["M-1002"]


def test_the_affiliate_list_needs_the_affiliate_group_and_claim(members):
    assert affiliate_search(members, claims=STAFF).status == 403
    no_claim = {"sub": "x", "cognito:groups": ["affiliate"]}
    assert affiliate_search(members, claims=no_claim).status == 403
