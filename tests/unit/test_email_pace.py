"""The e-mail sender's pace: never faster than its share of the send rate, and
never waiting when it is already slower (renewal.emails.Pace)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal.emails import Pace


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds
        self.slept += seconds


@given(rate=st.floats(min_value=0.5, max_value=500), gaps=st.lists(st.floats(min_value=0, max_value=3), max_size=40))
def test_sends_are_spaced_by_the_rate_and_wait_no_longer_than_needed(rate, gaps):
    time = FakeTime()
    pace = Pace(rate, now=lambda: time.now, sleep=time.sleep)
    sent = []
    for gap in gaps:
        time.now += gap  # the work between two sends (reading the profile, SES's answer)
        before = time.now
        pace.wait()
        assert time.now - before <= 1 / rate + 1e-9  # at most one interval of waiting
        sent.append(time.now)
    for earlier, later in zip(sent, sent[1:]):
        assert later - earlier >= 1 / rate - 1e-9


def test_ten_emails_at_two_a_second_take_four_and_a_half_seconds():
    time = FakeTime()
    pace = Pace(2, now=lambda: time.now, sleep=time.sleep)
    for _ in range(10):
        pace.wait()
    assert time.now == pytest.approx(4.5)


def test_a_throttle_holds_the_next_send():
    time = FakeTime()
    pace = Pace(100, now=lambda: time.now, sleep=time.sleep)
    pace.wait()
    pace.hold(1.0)
    pace.wait()
    assert time.now == pytest.approx(1.0)


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError):
        Pace(0)
