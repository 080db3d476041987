"""EventBridge Scheduler schedules (ScheduleV2 events), fired on demand by
`POST /_local/schedules/{name}` instead of by the clock."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from local import template
from local.resources import ACCOUNT, REGION


def find(functions: Mapping[str, template.Function], name: str,
         resolve: Callable[[Any], Any] = lambda value: value) -> tuple[template.Function, dict[str, Any]] | None:
    """The schedule whose Name property (often a !Sub, so resolved first) is
    `name`, or else the one whose event's logical name is. The schedule comes
    back with its Name resolved."""
    for key in ("name", "event"):
        for function in functions.values():
            for schedule in function.schedules:
                resolved = {**schedule, "name": str(resolve(schedule["name"]))}
                if resolved[key] == name:
                    return function, resolved
    return None


def scheduled_event(schedule: Mapping[str, Any], resolve: Any = lambda value: value,
                    fired_at: dt.datetime | None = None) -> Any:
    """What the target receives: the schedule's Input (a JSON string in the
    template, with the scheduler's context attributes filled in) when it has one,
    else a scheduled-event envelope."""
    given = schedule.get("input")
    if given is not None:
        given = resolve(given)
        if isinstance(given, str):
            fired = (fired_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
            context = {"scheduled-time": fired, "execution-id": str(uuid.uuid4()), "attempt-number": "1",
                       "schedule-arn": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{schedule['name']}"}
            for name, value in context.items():
                given = given.replace(f"<aws.scheduler.{name}>", value)
        return json.loads(given) if isinstance(given, str) else given
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT,
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{schedule['name']}"],
        "detail": {},
    }
