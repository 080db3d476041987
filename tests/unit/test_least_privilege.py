"""Least privilege, read from the code: each function's grants in template.yaml
are exactly what the code it can reach calls.

From each handler (functions/<name>/app.py) the test follows every reference
into the shared layer (module-level code, functions and classes named, through
imports at any depth) down to the adapters, reads which boto3 calls each
adapter function makes, and turns them into IAM actions on the resources the
reached code names (the table and the indexes it queries, the queues and
buckets whose settings it reads, the object-key prefixes of renewal.keys it
uses). It fails on a grant nothing reaches and on a call without a grant, and
on a policy it cannot read (a SAM policy template or a managed policy).

Over-approximate by design: a function reached is taken as called, whatever
the branch, so a grant is "used" when some path of the code can make the call.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from local import template

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"

# Adapter module -> the AWS service its `client()` talks to.
ADAPTERS = {
    "renewal.adapters.store": "dynamodb", "renewal.adapters.queue": "sqs", "renewal.adapters.notify": "ses",
    "renewal.adapters.documents": "s3", "renewal.adapters.exports": "s3",
    "renewal.adapters.user_pool": "cognito-idp", "renewal.adapters.secrets": "secretsmanager",
}
# boto3 method (or the client method a presigned URL or paginator names) -> IAM actions.
IAM_ACTIONS = {
    "dynamodb": {"get_item": ["GetItem"], "query": ["Query"], "batch_get_item": ["BatchGetItem"],
                 "batch_write_item": ["BatchWriteItem"], "put_item": ["PutItem"], "update_item": ["UpdateItem"],
                 "delete_item": ["DeleteItem"],
                 # A transaction needs the actions of its items (the *_op functions below).
                 "transact_write_items": []},
    "sqs": {"send_message": ["SendMessage"], "send_message_batch": ["SendMessage"]},
    "ses": {"send_email": ["SendEmail"]},
    "s3": {"generate_presigned_post": ["PutObject"], "put_object": ["PutObject"], "get_object": ["GetObject"],
           # Without ListBucket, S3 answers a missing object's HEAD with 403, not 404.
           "head_object": ["GetObject", "ListBucket"], "copy_object": ["GetObject", "PutObject"],
           "upload_fileobj": ["PutObject", "AbortMultipartUpload"]},
    "cognito-idp": {"list_users": ["ListUsers"], "admin_get_user": ["AdminGetUser"],
                    "admin_list_groups_for_user": ["AdminListGroupsForUser"],
                    "admin_create_user": ["AdminCreateUser"], "admin_add_user_to_group": ["AdminAddUserToGroup"],
                    "admin_update_user_attributes": ["AdminUpdateUserAttributes"],
                    "admin_delete_user_attributes": ["AdminDeleteUserAttributes"],
                    "admin_set_user_mfa_preference": ["AdminSetUserMFAPreference"]},
    "secretsmanager": {"get_secret": ["GetSecretValue"]},
}
# A transaction item (store.*_op) -> the action DynamoDB checks for it.
TRANSACT_ITEMS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
# Settings that name a resource but not the function's own grants.
NOT_RESOURCES = {"STAGE", "PORTAL_ORIGINS", "PORTAL_URL", "PUBLIC_BASE_URL", "INSTITUTE_TIME_ZONE", "PAGE_TOKEN_KEY"}


# ---------------------------------------------------------------- the code


class Module:
    def __init__(self, name: str, path: Path):
        self.name, self.path = name, path
        self.tree = ast.parse(path.read_text(), str(path))
        self.defs = {node.name: node for node in self.tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        # Every import anywhere in the module (imports inside functions included):
        # local name -> (module,) or (module, attribute).
        self.aliases: dict[str, tuple[str, ...]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("renewal"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    target = (full,) if _module_path(full) else (node.module, alias.name)
                    self.aliases[alias.asname or alias.name] = target
            elif isinstance(node, ast.ImportFrom) and node.module == "aws_lambda_powertools.utilities":
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = (f"powertools.{alias.name}",)

    def top_level_code(self) -> list[ast.AST]:
        return [node for node in self.tree.body if node not in self.defs.values()]


def _module_path(name: str) -> Path | None:
    base = LAYER.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@functools.cache
def module(name: str) -> Module:
    path = _module_path(name)
    assert path is not None, name
    return Module(name, path)


def _references(mod: Module, nodes: list[ast.AST]) -> set[tuple[str, str | None]]:
    """(module, name) pairs the nodes refer to: `alias.name`, imported names, and the module's own defs."""
    found: set[tuple[str, str | None]] = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = mod.aliases.get(node.value.id)
                if target and len(target) == 1:
                    found.add((target[0], node.attr))
            if isinstance(node, ast.Name):
                target = mod.aliases.get(node.id)
                if target and len(target) == 2:
                    found.add((target[0], target[1]))
                elif target:
                    found.add((target[0], None))
                elif node.id in mod.defs:
                    found.add((mod.name, node.id))
    return found


def _boto3_calls(node: ast.AST) -> set[str]:
    """The client methods an adapter function calls: `client().get_item(...)`,
    `client().get_paginator("list_users")`, `client().generate_presigned_url("get_object")`,
    `parameters.get_secret(...)`."""
    calls = set()
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        owner = call.func.value
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "client":
            method = call.func.attr
            if method in ("get_paginator", "generate_presigned_url") and call.args \
                    and isinstance(call.args[0], ast.Constant):
                method = call.args[0].value
            calls.add(method)
        elif isinstance(owner, ast.Name) and owner.id == "parameters" and call.func.attr.startswith("get_"):
            calls.add(call.func.attr)
    return calls


# Calls that query the table, or an index when given `index=`.
QUERIES = {("renewal.adapters.store", "query_partition"), ("renewal.adapters.store", "query_all"),
           ("renewal.paging", "page")}


def _base_table_queries(mod: Module, nodes: list[ast.AST]) -> bool:
    """Whether the nodes query the table itself: a query call without `index=` (a call
    passing its keywords on, `**query`, leaves that to its own callers)."""
    for root in nodes:
        for call in ast.walk(root):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                    and isinstance(call.func.value, ast.Name):
                target = mod.aliases.get(call.func.value.id)
                if target and len(target) == 1 and (target[0], call.func.attr) in QUERIES:
                    if not any(k.arg in ("index", None) for k in call.keywords):
                        return True
    return False


def _transact_items(node: ast.AST) -> set[str]:
    return {TRANSACT_ITEMS[key.value] for d in ast.walk(node) if isinstance(d, ast.Dict)
            for key in d.keys if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEMS}


class Reach:
    """What a handler can reach: (module, name) pairs, and the AWS actions its adapters make."""

    def __init__(self, handler: Path):
        self.reached: set[tuple[str, str | None]] = set()
        self.actions: set[tuple[str, str]] = set()
        self.base_table_queries = False
        app = Module("app", handler)
        todo = list(_references(app, [app.tree]))
        self.base_table_queries = _base_table_queries(app, [app.tree])
        while todo:
            name, symbol = todo.pop()
            if (name, symbol) in self.reached or not name.startswith(("renewal", "powertools")):
                continue
            self.reached.add((name, symbol))
            if name.startswith("powertools"):
                if name == "powertools.parameters" and symbol:
                    self.actions |= {("secretsmanager", a) for a in IAM_ACTIONS["secretsmanager"].get(symbol, [])}
                continue
            if _module_path(f"{name}.{symbol}") if symbol else False:
                todo.append((f"{name}.{symbol}", None))
                continue
            mod = module(name)
            if (name, None) not in self.reached:
                todo.append((name, None))  # importing runs its top-level code
            nodes = mod.top_level_code() if symbol is None else ([mod.defs[symbol]] if symbol in mod.defs else [])
            todo += _references(mod, nodes)
            self.base_table_queries |= _base_table_queries(mod, nodes)
            if name in ADAPTERS and symbol in mod.defs:
                service = ADAPTERS[name]
                for method in _boto3_calls(mod.defs[symbol]):
                    assert method in IAM_ACTIONS[service], f"{name}.{symbol} calls {service}.{method}: map it above"
                    self.actions |= {(service, action) for action in IAM_ACTIONS[service][method]}
                if service == "dynamodb":
                    self.actions |= {("dynamodb", action) for action in _transact_items(mod.defs[symbol])}

    def names(self, module_name: str) -> set[str]:
        return {symbol for name, symbol in self.reached if name == module_name and symbol}


def _settings() -> dict[str, set[str]]:
    """renewal.config's accessors -> the environment variables each reads."""
    read: dict[str, set[str]] = defaultdict(set)
    for name, node in module("renewal.config").defs.items():
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+",
                                                                                            sub.value):
                read[name].add(sub.value)
    return read


def _key_prefixes(reach: Reach) -> set[str]:
    """Object-key prefixes ("uploads/") of the renewal.keys functions the code uses."""
    prefixes = set()
    for name in reach.names("renewal.keys"):
        node = module("renewal.keys").defs.get(name)
        for sub in ast.walk(node) if node else ():
            if isinstance(sub, ast.JoinedStr) and sub.values and isinstance(sub.values[0], ast.Constant):
                head = str(sub.values[0].value)
                if "/" in head and "#" not in head:
                    prefixes.add(head.split("/")[0] + "/")
    return prefixes


# ---------------------------------------------------------------- the template


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def _resource(value: Any) -> str:
    """A grant's resource as the test names it: 'RenewalTable', 'RenewalTable/index/GSI1',
    'DocumentsBucket/documents/*', 'ses:identity/SenderEmail'."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        text = re.sub(r"^arn:\$\{AWS::Partition\}:(\w+):\$\{AWS::Region\}:\$\{AWS::AccountId\}:", r"\1:", text)
        return re.sub(r"\$\{(\w+)(?:\.Arn)?\}", r"\1", text)
    ref = _ref(value)
    assert ref, f"unreadable resource {value!r}"
    return ref


def grants(function_id: str) -> set[tuple[str, str, str]]:
    """(service, action, resource) the template gives the function."""
    doc = template.load()
    props = doc["Resources"][function_id]["Properties"]
    statements = []
    for policy in props.get("Policies", []):
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, \
            f"{function_id}: write its grants as inline statements, not {policy!r}"
        statements += policy["Statement"]
    for resource in doc["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and \
                {"Ref": f"{function_id}Role"} in resource["Properties"].get("Roles", []):
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    found = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            service, _, name = action.partition(":")
            assert "*" not in name, f"{function_id}: {action} is a wildcard"
            found |= {(service, name, _resource(r)) for r in resources}
    return found


def _environment(function_id: str) -> dict[str, Any]:
    doc = template.load()
    return {**doc["Globals"]["Function"]["Environment"]["Variables"],
            **(doc["Resources"][function_id]["Properties"].get("Environment") or {}).get("Variables", {})}


def needs(function_id: str) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(what the code calls, what it may be granted): exact (service, action, resource)
    triples, and the S3 grants its buckets and key prefixes allow."""
    props = template.load()["Resources"][function_id]["Properties"]
    reach = Reach(ROOT / props["CodeUri"] / "app.py")
    env = _environment(function_id)
    settings = _settings()
    named = {variable: _ref(env[variable]) for accessor in reach.names("renewal.config")
             for variable in settings.get(accessor, ()) if variable in env and variable not in NOT_RESOURCES}
    kinds = {k: r["Type"] for k, r in template.load()["Resources"].items()}
    by_type: dict[str, set[str]] = defaultdict(set)
    for variable, logical_id in named.items():
        if logical_id:
            by_type[kinds.get(logical_id, "AWS::Parameter")].add(logical_id)
    indexes = {f"index/{name}" for name in reach.names("renewal.keys") if re.fullmatch(r"GSI\d", name)}
    exact, allowed = set(), set()
    for service, action in reach.actions:
        if service == "dynamodb":
            table = _ref(env["TABLE_NAME"])
            if action != "Query" or reach.base_table_queries:
                exact.add((service, action, table))
            if action == "Query":
                exact |= {(service, action, f"{table}/{index}") for index in indexes}
        elif service == "sqs":
            exact |= {(service, action, queue) for queue in by_type["AWS::SQS::Queue"]}
        elif service == "ses":
            exact |= {(service, action, "ses:identity/SenderEmail"),
                      (service, action, "ses:configuration-set/EmailConfigurationSet")}
        elif service == "cognito-idp":
            exact.add((service, action, "UserPool"))
        elif service == "secretsmanager":
            exact |= {(service, action, secret) for secret in by_type["AWS::SecretsManager::Secret"]}
        elif service == "s3":
            buckets = by_type["AWS::S3::Bucket"]
            assert buckets, f"{function_id} calls s3:{action} but reads no bucket setting"
            if action == "ListBucket":  # on the bucket itself
                exact |= {(service, action, bucket) for bucket in buckets}
                continue
            exact |= {(service, action, f"bucket:{bucket}") for bucket in buckets}
            allowed |= {(service, action, f"{bucket}/{prefix}*") for bucket in buckets
                        for prefix in _key_prefixes(reach)}
    return exact, allowed


FUNCTIONS = sorted(k for k, r in template.load()["Resources"].items() if r["Type"] == "AWS::Serverless::Function")


@functools.cache
def written_prefixes() -> frozenset[str]:
    """Every bucket prefix some function writes: a function that reads an object by
    the key stored on an item (a document's link) may read what the stack writes."""
    return frozenset(r for f in FUNCTIONS for (_, action, r) in needs(f)[1] if action == "PutObject")


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_each_function_is_granted_exactly_what_its_code_calls(function_id):
    exact, allowed_s3 = needs(function_id)
    buckets = {n[2].removeprefix("bucket:") for n in exact if n[0] == "s3" and n[1] == "GetObject"}
    allowed_s3 = allowed_s3 | {("s3", "GetObject", prefix) for prefix in written_prefixes()
                               if prefix.split("/")[0] in buckets}
    granted = grants(function_id)
    objects = {("s3", a, r) for (s, a, r) in granted if s == "s3" and "/" in r}
    granted_plain, granted_s3 = granted - objects, objects
    needed_plain = {n for n in exact if not n[2].startswith("bucket:")}
    assert sorted(granted_plain - needed_plain) == [], f"{function_id}: granted, but nothing it runs calls it"
    assert sorted(needed_plain - granted_plain) == [], f"{function_id}: called, but not granted"
    assert sorted(granted_s3 - allowed_s3) == [], f"{function_id}: S3 grants on keys its code never names"
    for _, action, bucket in (n for n in exact if n[2].startswith("bucket:")):
        name = bucket.removeprefix("bucket:")
        assert any(g[1] == action and g[2].startswith(f"{name}/") for g in granted_s3), \
            f"{function_id}: calls s3:{action} on {name} without a grant"


def test_the_reading_finds_the_calls_it_should():
    """The analysis itself: the public function reads the table and sends nothing;
    the e-mail sender reaches SES; the dead-letter function reaches every owner's queue."""
    public, _ = needs("PublicApiFunction")
    assert ("dynamodb", "GetItem", "RenewalTable") in public
    assert not {n for n in public if n[0] in ("sqs", "ses") or n[1] in ("PutItem", "UpdateItem", "DeleteItem")}
    sender, _ = needs("EmailSenderFunction")
    assert ("ses", "SendEmail", "ses:identity/SenderEmail") in sender
    letters, _ = needs("DeadLetterFunction")
    assert {n[2] for n in letters if n[0] == "sqs"} >= {"InvoiceJobQueue", "CecSubmissionQueue", "EmailQueue"}
