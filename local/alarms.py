"""The CloudWatch alarms of template.yaml, evaluated locally (`GET /_local/alarms`).

There is no CloudWatch here, so the stack keeps what an alarm would read:
- the business metrics the functions emit through Powertools Metrics (the
  embedded metric format they print), captured as they are printed;
- the depth of each queue, which moto answers.
An alarm on anything else (Lambda errors, API 5xx, SES reputation) reads
`INSUFFICIENT_DATA`: AWS alone produces those metrics.
"""

from __future__ import annotations

import builtins
import json
import operator
import threading
import time
from collections.abc import Callable
from typing import Any

from local import template

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


class Alarms:
    def __init__(self, resolve: Callable[[Any], Any], queue_depth: Callable[[str], int | None]):
        self.resolve, self.queue_depth = resolve, queue_depth
        self._points: list[tuple[float, str, float]] = []  # (time, metric name, value)
        self._lock = threading.Lock()

    # ------------------------------------------------------------ metrics
    def capture_metrics(self) -> None:
        """Reads every metric document Powertools prints (it prints one per flush)."""
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

        def tee(*args: Any, **kwargs: Any) -> None:
            builtins.print(*args, **kwargs)
            if args and isinstance(args[0], str):
                self.record(args[0])

        cloudwatch.print = tee  # the module's own name for print: only its output is read

    def record(self, line: str) -> None:
        try:
            document = json.loads(line)
            declared = document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        except (ValueError, KeyError, IndexError, TypeError):
            return
        now = time.time()
        with self._lock:
            for metric in declared:
                values = document.get(metric["Name"])
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, (int, float)):
                        self._points.append((now, metric["Name"], float(value)))

    def _statistic(self, name: str, statistic: str, window_s: float) -> float | None:
        since = time.time() - window_s
        with self._lock:
            values = [v for t, n, v in self._points if n == name and t >= since]
        if not values:
            return None
        return {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": len,
                "Average": lambda v: sum(v) / len(v)}[statistic](values)

    # ------------------------------------------------------------ alarms
    def states(self) -> list[dict[str, Any]]:
        found = []
        for logical_id, resource in template.resources("AWS::CloudWatch::Alarm").items():
            props = resource.get("Properties") or {}
            state, value = self._evaluate(props)
            found.append({"alarm": logical_id, "state": state, "value": value,
                          "description": props.get("AlarmDescription", ""), "metric": props.get("MetricName")})
        return found

    def _evaluate(self, props: dict[str, Any]) -> tuple[str, float | None]:
        namespace = props.get("Namespace")
        if not namespace or "Metrics" in props:
            return "INSUFFICIENT_DATA", None
        if namespace == "AWS/SQS" and props.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            dimensions = {d["Name"]: self.resolve(d["Value"]) for d in props.get("Dimensions") or []}
            value = self.queue_depth(str(dimensions.get("QueueName", "")))
        elif namespace.startswith("AWS/"):
            return "INSUFFICIENT_DATA", None
        else:
            window = float(props.get("Period", 60)) * float(props.get("EvaluationPeriods", 1))
            value = self._statistic(props["MetricName"], props.get("Statistic", "Sum"), window)
            if value is None and props.get("TreatMissingData") in ("notBreaching", None):
                value = 0.0
        if value is None:
            return "INSUFFICIENT_DATA", None
        breached = _COMPARE[props["ComparisonOperator"]](float(value), float(props["Threshold"]))
        return ("ALARM" if breached else "OK"), float(value)
