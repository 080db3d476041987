"""The key design: one place builds every key, and the member index spreads
members over a fixed set of shards the same way in every process."""

from hypothesis import given
from hypothesis import strategies as st

from renewal import keys

MEMBER_IDS = st.from_regex(r"[A-Za-z0-9-]{1,64}", fullmatch=True)


@given(MEMBER_IDS)
def test_member_keys_round_trip(member_id):
    key = keys.member_key(member_id)
    assert key == {"PK": f"MEMBER#{member_id}", "SK": "PROFILE"}
    assert keys.owner_of("F", keys.owned_id("F", member_id, "abc123")) == member_id


@given(MEMBER_IDS)
def test_shard_is_stable_and_in_range(member_id):
    index = keys.credential_holders_index(member_id)
    shard = keys.member_shard(member_id)
    assert 0 <= shard < keys.MEMBER_SHARDS
    assert index == {"GSI2PK": keys.credential_holders_partition(shard), "GSI2SK": member_id}
    assert keys.member_shard(member_id) == shard


def test_shards_spread_members():
    shards = {keys.member_shard(f"M-{n}") for n in range(1000)}
    assert shards == set(range(keys.MEMBER_SHARDS))


def test_history_sits_beside_the_member_partition_not_in_it():
    assert keys.member_history_pk("M-1") != keys.member_pk("M-1")
    assert not keys.member_history_pk("M-1").startswith(keys.member_pk("M-1"))


def test_audit_keys_sort_by_time():
    earlier = keys.audit_key("HISTORY#MEMBER#M-1", "2026-01-01T00:00:00Z", "b")
    later = keys.audit_key("HISTORY#MEMBER#M-1", "2026-01-02T00:00:00Z", "a")
    assert earlier["SK"] < later["SK"]
