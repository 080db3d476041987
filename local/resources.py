"""The AWS resources of template.yaml, created on the local moto server, and the
template's intrinsic functions resolved to their local names.

Everything comes from the template, so a queue, bucket or environment variable
added there appears locally without touching this module.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

from local import cognito, template

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, the one the fake credentials map to
USER_POOL_ID = f"{REGION}_local"
USER_POOL_CLIENT_ID = "local-client"

# Parameters read from the environment as well as under their own name
# (StripeSecretKey=... or STRIPE_API_KEY=...): the README names these two.
PARAMETER_ENV_ALIASES = {"StripeSecretKey": ("STRIPE_API_KEY",), "StripeWebhookSecret": ("STRIPE_WEBHOOK_SECRET",)}
# Local defaults where the template's default would leave a feature unusable.
LOCAL_PARAMETER_DEFAULTS = {"StripeWebhookSecret": "whsec_local_development_secret"}
# The SES identity the stack verifies so handlers may send from it.
SENDER_PARAMETER = "SenderEmail"

# SQS attributes CloudFormation passes through to CreateQueue unchanged.
_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds", "FifoQueue", "ContentBasedDeduplication",
)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


class LocalNames:
    """Local names of the template's resources, and a resolver for Ref / GetAtt / Sub / Join."""

    def __init__(self, moto_endpoint: str):
        self.endpoint = moto_endpoint.rstrip("/")
        self.parameters = self._parameters()
        tables = template.resources("AWS::DynamoDB::Table")
        self.tables = {lid: (r.get("Properties") or {}).get("TableName") or lid for lid, r in tables.items()}
        self.queues: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}  # filled by create_all with what moto answers
        for lid, props in template.queues().items():
            name = props.get("QueueName") or lid
            if props.get("FifoQueue") and not str(name).endswith(".fifo"):
                name = f"{name}.fifo"
            self.queues[lid] = str(name)
        # Bucket names must be lower-case DNS labels.
        self.buckets = {lid: str(props.get("BucketName") or lid).lower() for lid, props in template.buckets().items()}
        self.cognito_ids: dict[str, str] = {}  # filled by create_all: the user pool's and its client's ids

    def _parameters(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, default in template.parameter_defaults().items():
            value = LOCAL_PARAMETER_DEFAULTS.get(name, default)
            for env_name in (name, _snake(name), *PARAMETER_ENV_ALIASES.get(name, ())):
                if os.environ.get(env_name):
                    value = os.environ[env_name]
            value = "" if value is None else value
            kind = ((template.load().get("Parameters") or {}).get(name) or {}).get("Type", "")
            if kind.startswith("CommaDelimitedList") or kind.startswith("List<"):
                value = [part.strip() for part in str(value).split(",") if part.strip()]
            values[name] = value
        return values

    # ------------------------------------------------------------ names
    @property
    def table_name(self) -> str:
        (name,) = self.tables.values()
        return name

    def queue_url(self, logical_id: str) -> str:
        return self.queue_urls.get(logical_id) or f"{self.endpoint}/{ACCOUNT}/{self.queues[logical_id]}"

    def queue_arn(self, logical_id: str) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.queues[logical_id]}"

    # ------------------------------------------------------------ intrinsics
    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.tables:
            return self.tables[name]
        if name in self.queues:
            return self.queue_url(name)
        if name in self.buckets:
            return self.buckets[name]
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": "local",
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        if name in self.cognito_ids:
            return self.cognito_ids[name]
        resource = (template.load().get("Resources") or {}).get(name) or {}
        if resource.get("Type") == "AWS::Cognito::UserPool":
            return USER_POOL_ID
        if resource.get("Type") == "AWS::Cognito::UserPoolClient":
            return USER_POOL_CLIENT_ID
        return ""  # a resource the local stack does not emulate

    def get_att(self, name: str, attribute: str) -> Any:
        if name in self.queues:
            return {"Arn": self.queue_arn(name), "QueueName": self.queues[name], "QueueUrl": self.queue_url(name)}.get(
                attribute, "")
        if name in self.buckets:
            return {"Arn": f"arn:aws:s3:::{self.buckets[name]}", "DomainName": f"{self.buckets[name]}.s3.amazonaws.com"}.get(
                attribute, "")
        if name in self.tables:
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.tables[name]}" if attribute == "Arn" else ""
        if name in self.cognito_ids and attribute == "Arn":
            return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{self.cognito_ids[name]}"
        return ""

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        (key, arg), = value.items()
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.get_att(name, attribute)
        if key == "Fn::Sub":
            text, extra = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub_var(m.group(1), extra), text)
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(self._scalar(p)) for p in self.resolve(parts))
        if key == "Fn::If":
            condition, when_true, when_false = arg
            chosen = self.resolve(when_true if self.condition(condition) else when_false)
            return "" if chosen == {"Ref": "AWS::NoValue"} or chosen is None else chosen
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self._truth(value)
        if key == "Fn::Split":
            separator, text = arg
            return str(self._scalar(self.resolve(text))).split(separator)
        if key.startswith("Fn::"):
            return ""  # other intrinsics: not needed locally
        return {key: self.resolve(arg)}

    def condition(self, name: str) -> bool:
        """A template condition, evaluated with the local parameter values."""
        return self._truth((template.load().get("Conditions") or {})[name])

    def _truth(self, value: Any) -> bool:
        (key, arg), = value.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = (self._scalar(self.resolve(v)) for v in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(v) for v in arg)
        if key == "Fn::Or":
            return any(self._truth(v) for v in arg)
        raise ValueError(f"not a condition: {value!r}")

    def _sub_var(self, name: str, extra: dict[str, Any]) -> str:
        if name in extra:
            return str(self._scalar(self.resolve(extra[name])))
        if "." in name and not name.startswith("AWS::"):
            return str(self.get_att(*name.split(".", 1)))
        return str(self._scalar(self.ref(name)))

    @staticmethod
    def _scalar(value: Any) -> Any:
        return ",".join(map(str, value)) if isinstance(value, list) else value

    # ------------------------------------------------------------ functions
    def function_environment(self, functions: dict[str, template.Function]) -> dict[str, str]:
        """Every function's variables, resolved. Functions share the process, so
        the variables are process-wide; a name two functions set differently is reported."""
        merged: dict[str, str] = {}
        for function in functions.values():
            for name, raw in function.environment.items():
                value = _text(self._scalar(self.resolve(raw)))
                if name in merged and merged[name] != value:
                    print(f"local: {name} differs between functions; using {merged[name]!r}", file=sys.stderr)
                    continue
                merged[name] = value
        return merged

    def cors_configuration(self) -> dict[str, Any] | None:
        """The HttpApi's CorsConfiguration, resolved (PortalOrigins becomes a list of origins)."""
        for api in template.resources("AWS::Serverless::HttpApi").values():
            config = (api.get("Properties") or {}).get("CorsConfiguration")
            if isinstance(config, dict):
                return self.resolve(config)
        return None

    def cognito_issuer_and_audience(self) -> tuple[str, list[str]]:
        """The JWT authorizer's issuer and audience, from the HttpApi's Auth in the template."""
        for api in template.resources("AWS::Serverless::HttpApi").values():
            auth = (api.get("Properties") or {}).get("Auth") or {}
            authorizers = auth.get("Authorizers") or {}
            chosen = authorizers.get(auth.get("DefaultAuthorizer")) or next(iter(authorizers.values()), None)
            if chosen and chosen.get("JwtConfiguration"):
                config = chosen["JwtConfiguration"]
                audience = self.resolve(config.get("audience") or [])
                return str(self.resolve(config["issuer"])), [str(a) for a in audience]
        return f"https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}", [USER_POOL_CLIENT_ID]


def create_all(names: LocalNames, session: Any) -> None:
    """Table, queues (dead-letter queues first), buckets and the SES sender, as the template declares them."""
    dynamodb = session.client("dynamodb")
    for logical_id, table_name in names.tables.items():
        template.create_table(dynamodb, table_name)

    sqs = session.client("sqs")
    queues = template.queues()
    for logical_id in sorted(queues, key=lambda lid: "RedrivePolicy" in queues[lid]):
        props = queues[logical_id]
        attributes = {key: _text(names.resolve(props[key])) for key in _QUEUE_ATTRIBUTES if key in props}
        if props.get("RedrivePolicy"):
            attributes["RedrivePolicy"] = json.dumps(names.resolve(props["RedrivePolicy"]))
        created = sqs.create_queue(QueueName=names.queues[logical_id], Attributes=attributes)
        names.queue_urls[logical_id] = created["QueueUrl"]

    s3 = session.client("s3")
    for logical_id, bucket in names.buckets.items():
        s3.create_bucket(Bucket=bucket)
        cors = (template.buckets()[logical_id].get("CorsConfiguration") or {}).get("CorsRules")
        if cors:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [_cors_rule(names.resolve(r)) for r in cors]})

    # The user pool on moto's Cognito: its id becomes the tokens' issuer and the functions' USER_POOL_ID.
    names.cognito_ids.update(cognito.create_user_pool(session.client("cognito-idp"), names.resolve))

    sender = str(names.parameters.get(SENDER_PARAMETER) or "")
    if "@" in sender:
        ses = session.client("ses")
        ses.verify_email_identity(EmailAddress=sender)
        # The whole domain, so any From address there (noreply@, receipts@) may send too.
        ses.verify_domain_identity(Domain=sender.split("@", 1)[1])


def _text(value: Any) -> str:
    """A template scalar as an environment variable or SQS attribute spells it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's CorsRule property names -> the S3 API's."""
    renamed = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders", "Id": "ID"}
    return {renamed.get(key, key): value for key, value in rule.items()}
