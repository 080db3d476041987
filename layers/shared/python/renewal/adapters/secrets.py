"""Secrets from AWS Secrets Manager, read through Powertools Parameters: fetched
at first use and kept for CACHE_SECONDS, so a warm function makes no call per
request and a rotated secret is picked up within that time without a deploy.

Powertools is imported at first use: only the functions that hold a secret pay
for loading it."""

from __future__ import annotations

from typing import Any

from renewal import config

# How long a fetched secret is used before it is fetched again (a rotation takes this long to reach every function).
CACHE_SECONDS = 300


def stripe() -> dict[str, Any]:
    """Stripe's keys: `{"api_key": "sk_...", "webhook_secret": "whsec_..."}` (empty strings when not set)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(config.stripe_keys_secret(), transform="json", max_age=CACHE_SECONDS)
    return value if isinstance(value, dict) else {}


def reset() -> None:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
