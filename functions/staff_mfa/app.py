"""The user pool's pre-token-generation trigger: staff powers only after MFA.

Cognito calls it before it issues tokens (each sign-in and each refresh). A
person in a staff group without an authenticator app gets tokens without that
group and with a claim naming it (renewal.staff_mfa has the rule and why).
Members' and affiliates' tokens pass untouched, without a call to Cognito.
"""

import gc

gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreTokenGenerationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import config
from renewal import staff_mfa
from renewal.adapters import user_pool

# Every setting this function needs, checked at cold start: none (Cognito's event names the pool).
config.require()

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=PreTokenGenerationTriggerEvent)
def lambda_handler(event: PreTokenGenerationTriggerEvent, context: LambdaContext) -> dict:
    groups = event.request.group_configuration.groups_to_override or []
    if not staff_mfa.needs_mfa(groups):
        return event.raw_event
    try:
        methods = user_pool.mfa_methods(event.user_name, event.user_pool_id)
    except Exception:
        # Failing the trigger would fail the sign-in; withholding staff powers keeps the person signed in.
        logger.exception("MFA settings not read; staff groups withheld", extra={"username": event.user_name})
        methods = None
    decided = staff_mfa.token_groups(groups, methods)
    if decided.withheld:
        logger.info("staff groups withheld until an authenticator is set up",
                    extra={"username": event.user_name, "withheld": decided.withheld})
        details = event.response.claims_override_details
        details.set_group_configuration_groups_to_override(decided.groups)
        details.claims_to_add_or_override = decided.claims
    return event.raw_event


gc.enable()
gc.freeze()
