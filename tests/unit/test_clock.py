"""The domain day is the institute's calendar day, in its time zone."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from renewal import clock


@pytest.fixture(autouse=True)
def real_clock(monkeypatch):
    monkeypatch.delenv("RENEWAL_TODAY", raising=False)
    clock.set_today(None)
    yield
    clock.set_now(None)
    clock.set_today(None)


def at(utc: str) -> None:
    clock.set_now(dt.datetime.fromisoformat(utc))


@pytest.mark.parametrize("utc, zone, day", [
    ("2027-01-02T04:59:59+00:00", "America/New_York", "2027-01-01"),  # 23:59:59 on 1 January in New York
    ("2027-01-02T05:00:00+00:00", "America/New_York", "2027-01-02"),
    ("2027-04-01T03:59:00+00:00", "America/New_York", "2027-03-31"),  # summer time: UTC-4
    ("2027-04-01T04:00:00+00:00", "America/New_York", "2027-04-01"),
    ("2027-01-02T07:30:00+00:00", "America/Los_Angeles", "2027-01-01"),
    ("2027-01-01T23:30:00+00:00", "Pacific/Auckland", "2027-01-02"),
])
def test_today_is_the_institutes_date(monkeypatch, utc, zone, day):
    monkeypatch.setenv("INSTITUTE_TIME_ZONE", zone)
    at(utc)
    assert clock.today() == dt.date.fromisoformat(day)


def test_new_york_is_the_default_zone(monkeypatch):
    monkeypatch.delenv("INSTITUTE_TIME_ZONE", raising=False)
    at("2027-01-02T03:00:00+00:00")  # 10 pm on 1 January in New York
    assert clock.today() == dt.date(2027, 1, 1)


def test_a_stripe_timestamp_reads_as_the_institutes_day(monkeypatch):
    monkeypatch.setenv("INSTITUTE_TIME_ZONE", "America/New_York")
    at("2027-04-01T12:00:00+00:00")
    created = int(dt.datetime(2027, 4, 1, 2, 0, tzinfo=dt.UTC).timestamp())  # 10 pm on 31 March in New York
    assert clock.day_of(created) == dt.date(2027, 3, 31)


def test_the_schedules_fire_in_the_institutes_zone_outside_the_daylight_saving_hours():
    from local import template

    document = template.load()
    assert document["Parameters"]["InstituteTimeZone"]["Default"] == "America/New_York"
    events = {name: event["Properties"] for function in template.resources("AWS::Serverless::Function").values()
              for name, event in function["Properties"].get("Events", {}).items() if event["Type"] == "ScheduleV2"}
    for name in ("AnnualInvoiceRun", "DailyDeadlines"):
        event = events[name]
        assert event["ScheduleExpressionTimezone"] == {"Ref": "InstituteTimeZone"}
        expression = document["Parameters"][event["ScheduleExpression"]["Ref"]]["Default"]
        hour = int(re.match(r"cron\(\d+ (\d+) ", expression).group(1))
        assert hour not in (1, 2, 3), f"{name} fires at {hour}:xx, when daylight saving skips or repeats an hour"
