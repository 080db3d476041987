"""Renewal deadlines: the daily schedule and `POST /admin/deadline-runs` add
reinstatement fees after the grace period and send reminders, each once."""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import deadlines
from renewal.api import create_app, errors, handle, principal
from renewal.telemetry import metrics

logger = Logger()
app = create_app()


@app.post("/admin/deadline-runs", summary="Run today's deadlines now")
def run_deadlines() -> deadlines.DeadlineReport:
    return deadlines.run_deadlines_as_staff(principal(app))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "routeKey" in event:
        return handle(app, event, context)
    # The daily schedule.
    return deadlines.run_deadlines().model_dump(mode="json")


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
