"""next_token: DynamoDB's last key, opaque to clients, signed, refused when
forged or carried over from another list."""

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import paging
from renewal.errors import ValidationFailed

KEYS = st.dictionaries(st.sampled_from(["PK", "SK", "GSI1PK", "GSI1SK"]), st.text(min_size=1, max_size=40),
                       min_size=1)
LIST = '["MEMBER#M-1", null, "FORM#"]'


@given(KEYS)
def test_a_token_gives_back_the_key_it_was_made_from(key):
    token = paging.encode(key, LIST)
    assert token and "=" not in token
    assert paging.decode(token, LIST) == key


def test_no_more_pages_is_a_null_token():
    assert paging.encode(None) is None and paging.decode(None) is None and paging.decode("") is None


def _unsigned(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    "garbage", "%%%", "W10", "eyJhIjogMX0", "＃.＃", ".", "a.b.c",
    _unsigned({"PK": "MEMBER#M-2"}),  # decodes to a key that lacks the sort key: DynamoDB would refuse it
    _unsigned({"PK": "MEMBER#M-1", "SK": "FORM#F-M-1-1"}) + ".AAAAAAAAAAAAAAAAAAAAAA",  # a made-up signature
])
def test_a_token_this_api_did_not_give_out_is_refused(token):
    with pytest.raises(ValidationFailed):
        paging.decode(token, LIST)


@given(KEYS)
def test_a_token_of_one_list_is_refused_on_another(key):
    token = paging.encode(key, LIST)
    with pytest.raises(ValidationFailed):
        paging.decode(token, '["MEMBER#M-2", null, "FORM#"]')


@given(KEYS, st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=255))
def test_a_token_changed_in_any_byte_is_refused(key, position, flip):
    token = paging.encode(key, LIST)
    raw = bytearray(token.encode())
    raw[position % len(raw)] ^= flip
    changed = raw.decode("latin-1")
    if changed != token:
        try:
            decoded = paging.decode(changed, LIST)
        except ValidationFailed:
            return
        assert decoded == key  # a change base64 ignores (padding bits) still names the same key
