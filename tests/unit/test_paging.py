"""next_token: DynamoDB's last key, opaque to clients, refused when forged."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import paging
from renewal.errors import ValidationFailed

KEYS = st.dictionaries(st.sampled_from(["PK", "SK", "GSI1PK", "GSI1SK"]), st.text(min_size=1, max_size=40),
                       min_size=1)


@given(KEYS)
def test_a_token_gives_back_the_key_it_was_made_from(key):
    token = paging.encode(key)
    assert token and "=" not in token
    assert paging.decode(token) == key


def test_no_more_pages_is_a_null_token():
    assert paging.encode(None) is None and paging.decode(None) is None and paging.decode("") is None


@pytest.mark.parametrize("token", ["garbage", "%%%", "W10", "eyJhIjogMX0"])  # W10 = "[]", the last = {"a": 1}
def test_a_token_this_api_did_not_give_out_is_refused(token):
    with pytest.raises(ValidationFailed):
        paging.decode(token)
