"""Configuration is checked at cold start: each handler names the settings its
code needs (`config.require`), template.yaml sets them, and a missing one stops
the function at once with one error naming it."""

from __future__ import annotations

import ast
import importlib.util
import sys

import pytest

from renewal import config
from tests.unit.test_least_privilege import FUNCTIONS, ROOT, Reach, _environment, _settings, template

# Settings a function's code can reach but never needs, and why the template leaves them out.
NOT_NEEDED = {
    ("AccountLinkingFunction", "USER_POOL_ID"): "Cognito's trigger event names the pool",
    ("DeadLetterFunction", "DOCUMENTS_BUCKET"): "it writes import error files, always naming the imports bucket",
    ("MemberOnboardingFunction", "DOCUMENTS_BUCKET"): "it reads and writes member files, always naming the imports bucket",
}


def _declared(app: str) -> list[str]:
    calls = [node for node in ast.walk(ast.parse((ROOT / app / "app.py").read_text()))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "require"
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "config"]
    assert len(calls) == 1, f"{app}app.py: call config.require(...) once, at module level"
    return [arg.value for arg in calls[0].args]


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_each_handler_requires_what_its_code_reads_and_the_template_sets(function_id):
    code_uri = template.load()["Resources"][function_id]["Properties"]["CodeUri"]
    reach = Reach(ROOT / code_uri / "app.py")
    settings = _settings()
    read = {variable for accessor in reach.names("renewal.config") for variable in settings.get(accessor, ())}
    env = _environment(function_id)
    needed = [name for name in config.REQUIRED if name in read]
    assert _declared(code_uri) == [name for name in needed if (function_id, name) not in NOT_NEEDED]
    for name in needed:
        assert name in env or (function_id, name) in NOT_NEEDED, f"{function_id} reads {name}: set it in template.yaml"


def test_a_missing_setting_stops_the_cold_start_naming_it(monkeypatch):
    monkeypatch.delenv("EMAIL_QUEUE_URL", raising=False)
    monkeypatch.setenv("TABLE_NAME", "renewal")
    monkeypatch.setenv("SENDER_EMAIL", "renewals@example.org")
    spec = importlib.util.spec_from_file_location("cold_start_probe", ROOT / "functions" / "email_sender" / "app.py")
    module = importlib.util.module_from_spec(spec)
    with pytest.raises(config.MissingSetting) as refused:
        spec.loader.exec_module(module)
    sys.modules.pop("cold_start_probe", None)
    assert str(refused.value).startswith("The setting EMAIL_QUEUE_URL (the e-mail queue's URL) is not set:")


def test_every_missing_setting_is_named_once(monkeypatch):
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("USER_POOL_ID", raising=False)
    with pytest.raises(config.MissingSetting, match=r"^The setting TABLE_NAME .* \(also missing: USER_POOL_ID\)"):
        config.require("TABLE_NAME", "USER_POOL_ID")


def test_a_blank_setting_is_missing(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "  ")
    with pytest.raises(config.MissingSetting, match="TABLE_NAME"):
        config.require("TABLE_NAME")
