"""Every e-mail leaves through the outbox (renewal.emails): no other module can
send one. Read from the source: SES is reached only by the notify adapter, and
the notify adapter is imported only by the e-mail sender's module. (The
integration tests check the other half after every test: each message SES
accepted is an outbox e-mail recorded as sent.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"
SOURCES = sorted([*LAYER.rglob("*.py"), *(ROOT / "functions").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")])
NOTIFY = LAYER / "renewal" / "adapters" / "notify.py"
OUTBOX = LAYER / "renewal" / "emails.py"
MAIL_SERVICES = {"ses", "sesv2", "pinpoint-email", "pinpoint", "sns"}


def _mail_clients(tree: ast.AST) -> list[int]:
    """Lines creating a boto3 client or resource for a service that sends mail or messages."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("client", "resource") and node.args
            and isinstance(node.args[0], ast.Constant) and node.args[0].value in MAIL_SERVICES]


def _imports_notify_or_smtp(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module == "renewal.adapters.notify" or (module == "renewal.adapters" and "notify" in names) \
                    or module.startswith("smtplib") or module.startswith("email.mime"):
                lines.append(node.lineno)
        elif isinstance(node, ast.Import):
            if any(a.name in ("renewal.adapters.notify", "smtplib") for a in node.names):
                lines.append(node.lineno)
    return lines


def test_the_sources_are_found():
    assert NOTIFY in SOURCES and OUTBOX in SOURCES
    assert len(SOURCES) > 50


def test_only_the_notify_adapter_talks_to_ses():
    offenders = {str(path.relative_to(ROOT)): lines for path in SOURCES if path != NOTIFY
                 for lines in [_mail_clients(ast.parse(path.read_text(), str(path)))] if lines}
    assert offenders == {}, "send e-mail through the outbox (renewal.emails.write / notices.tell_member)"
    assert _mail_clients(ast.parse(NOTIFY.read_text())), "the notify adapter is where SES is called"


def test_only_the_outbox_sender_imports_the_notify_adapter():
    offenders = {str(path.relative_to(ROOT)): lines for path in SOURCES if path not in (NOTIFY, OUTBOX)
                 for lines in [_imports_notify_or_smtp(ast.parse(path.read_text(), str(path)))] if lines}
    assert offenders == {}, "send e-mail through the outbox (renewal.emails.write / notices.tell_member)"
    assert _imports_notify_or_smtp(ast.parse(OUTBOX.read_text()))


def test_the_checks_catch_a_bypass():
    bypass = ast.parse("import boto3\nfrom renewal.adapters import notify, store\n"
                       "boto3.client('sesv2').send_email()\nnotify.send('a@b.c', 's', 't')\n")
    assert _mail_clients(bypass) == [3]
    assert _imports_notify_or_smtp(bypass) == [2]
