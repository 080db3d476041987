"""The e-mails the stack sent through SES, for `GET /_local/outbox`.

moto keeps every message sent through SES (v1 and v2) in its in-process SES
backend; moto forgets them on restart, so the outbox copies them out, stamps
when it saw each one, and is saved with the rest of the local state.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import threading
from typing import Any

from local.resources import ACCOUNT, REGION


def _backend() -> Any:
    from moto.ses.models import ses_backends

    return ses_backends[ACCOUNT][REGION]


def _text_of(raw: str) -> tuple[str, str, str]:
    """(to, subject, plain text) of a MIME message sent with SendRawEmail."""
    message = email.message_from_string(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    return str(message.get("To") or ""), str(message.get("Subject") or ""), text


def _addresses(destinations: Any) -> str:
    if isinstance(destinations, dict):
        return ", ".join(destinations.get("ToAddresses") or [])
    return ", ".join(str(d) for d in destinations or [])


def _item(message: Any, sent_at: str) -> dict[str, Any]:
    if hasattr(message, "raw_data"):  # SendRawEmail, or SESv2 with Raw content
        to, subject, text = _text_of(message.raw_data)
        to = to or _addresses(message.destinations)
    elif hasattr(message, "template"):  # SendTemplatedEmail: render the stored template
        from moto.ses.template import parse_template

        stored = _backend().templates.get(message.template) or {}
        data = json.loads(message.template_data) if isinstance(message.template_data, str) else {}
        subject = parse_template(stored.get("subject_part") or message.template, data)
        text = parse_template(stored.get("text_part") or stored.get("html_part") or "", data)
        to = _addresses(message.destinations)
    else:  # SendEmail (v1) or SESv2 Simple content
        to, subject, text = _addresses(message.destinations), message.subject, message.body
    return {"to": to, "subject": subject, "text": text, "sent_at": sent_at}


class Outbox:
    def __init__(self, saved: list[dict[str, Any]] | None = None):
        self._items = list(saved or [])  # newest first
        self._seen = 0  # how many of moto's sent_messages were copied already
        self._lock = threading.Lock()

    def collect(self) -> bool:
        """Copies messages moto got since the last call; True if there were any."""
        with self._lock:
            sent = _backend().sent_messages
            fresh = sent[self._seen:]
            if not fresh:
                return False
            stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            for message in fresh:
                self._items.insert(0, _item(message, stamp))
            self._seen = len(sent)
            return True

    def items(self) -> list[dict[str, Any]]:
        self.collect()
        with self._lock:
            return list(self._items)
