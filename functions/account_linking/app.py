"""The user pool's post-confirmation trigger: a person who signed up with an
e-mail on file for exactly one member is linked to that member (member id and
group `member`); anyone else stays unlinked until staff link them."""

import gc

gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PostConfirmationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from renewal import accounts
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME")

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=PostConfirmationTriggerEvent)
def lambda_handler(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict:
    # Also fired when a forgotten password is reset: only a new sign-up is linked.
    if event.trigger_source == "PostConfirmation_ConfirmSignUp":
        try:
            accounts.link_sign_up(event.user_pool_id, event.user_name, dict(event.request.user_attributes))
        except Exception:
            # Never fail the confirmation: the person keeps an unlinked account that staff can link.
            logger.exception("sign-up not linked", extra={"username": event.user_name})
    return event.raw_event


gc.enable()
gc.freeze()
