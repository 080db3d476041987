"""The demo data set (demo.json beside this file), loaded through the real
handlers (`PUT /admin/rule-sets/{year}`, `PUT /admin/members/{id}`) as a staff
caller, so it passes the same validation and writes the same records as
staff would. Keys starting with "_" in demo.json are notes, not data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).with_name("demo.json")
STAFF_CLAIMS = {"sub": "local-seed", "cognito:groups": ["naaei"]}


def demo() -> dict[str, Any]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def _data(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}


def load(gateway: Any) -> int:
    """Writes the demo set; returns how many requests failed (each is reported)."""
    data, failed = demo(), 0
    requests = [("PUT", f"/admin/rule-sets/{year}", body) for year, body in data["rule_sets"].items()]
    requests += [("PUT", f"/admin/members/{member_id}", body) for member_id, body in data["members"].items()]
    for method, path, body in requests:
        status, answer = gateway.call(method, path, body=_data(body), claims=STAFF_CLAIMS)
        if status >= 300:
            failed += 1
            print(f"local: seed {method} {path} -> {status} {json.dumps(answer)}", file=sys.stderr)
    return failed


def demo_users() -> list[Any]:
    """The users the local sign-in page offers in one click (demo.json's `sign_in`)."""
    from local.oidc import DemoUser

    return [DemoUser(label=u["label"], sub=u["sub"], groups=tuple(u["groups"]), member_id=u.get("member_id"),
                     affiliate=u.get("affiliate")) for u in demo().get("sign_in", [])]


def example_member() -> dict[str, Any]:
    """The demo member the start-up banner's curl line signs in as."""
    member_id, member = next(iter(demo()["members"].items()))
    return {"member_id": member_id, "affiliate": member.get("affiliate")}
