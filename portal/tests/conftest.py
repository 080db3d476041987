"""Browser tests of the portal: Debian's Chromium driven by Playwright, against
a local stack of their own (a fresh state, the domain clock set inside a
season), with axe-core checking every page at a phone's and a desktop's width.

Screenshots of every page checked are kept under portal/test-results/; with
PORTAL_SCREENSHOTS=docs/screenshots the ones the README shows are refreshed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.stack import Client, LocalServer, season_rule_set  # noqa: E402

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"
DIST = ROOT / "portal" / "dist" / "index.html"
ARTIFACTS = ROOT / "portal" / "test-results"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
DESKTOP = {"width": 1280, "height": 900}

# The machines that run these are shared: an assertion waits as long as an action does.
expect.set_options(timeout=15_000)

# A season of its own: the stack's clock stands in the middle of it.
YEAR = 2031
TODAY = f"{YEAR - 1}-11-15"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One stack and one browser: these tests run in one xdist worker, one after the other.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("portal-browser"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    if not DIST.is_file():
        pytest.fail("portal/dist is not built: run `make test` (it builds the portal) or `make portal`.")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium).")
    server = LocalServer(tmp_path_factory.mktemp("portal") / "state", seed="none").start()
    client = Client(server)
    staff = client.staff_token()
    assert client.request("PUT", "/_local/clock", json={"today": TODAY}).status_code == 200
    rules = season_rule_set(YEAR, CAM=(8, 5, 17500), CALP=(5, 3, 12500))
    reply = client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json={"renewal_year": YEAR, "currency": "usd",
                                                                                 **rules})
    assert reply.status_code == 200, reply.text
    yield client
    server.stop()


def put_member(client: Client, member_id: str, first: str, last: str, *codes: str, affiliate: str = "AASC") -> None:
    body = {
        "first_name": first, "last_name": last, "affiliate": affiliate,
        "contact": {"email": f"{first.lower()}.{last.lower()}@example.org", "phone": "+17195550100",
                    "address": {"line1": "1 Main St", "line2": None, "city": "Colorado Springs", "state": "CO",
                                "postal_code": "80903", "country": "US"}},
        "credentials": [{"code": code, "earned_on": "2019-05-04"} for code in (codes or ("CAM",))],
    }
    reply = client.request("PUT", f"/admin/members/{member_id}", token=client.staff_token(), json=body)
    assert reply.status_code in (200, 201), reply.text


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="en-US", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    problems: list[str] = []
    # A page error, or a script the CSP blocked, is a defect whatever the test checks.
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    # A signed-in page's call refused for its token would sign the user out: never expected here.
    page.on("response", lambda response: problems.append(
        f"401 from {response.request.method} {response.url} (Authorization "
        f"{'sent' if response.request.headers.get('authorization') else 'missing'})")
        if response.status == 401 else None)
    yield page
    if any(problem.startswith("401 ") for problem in problems):
        # The authorizer's reason is in the stack's log only (its answer says just "Unauthorized").
        log = request.getfixturevalue("stack").server.output()
        problems += [line for line in log.splitlines() if " 401: " in line][-5:]
    assert not problems, problems


def sign_in(page: Page, base: str, *, sub: str, groups: str, member_id: str = "", affiliate: str = "",
            start: str = "/") -> None:
    """From the start page through the sign-in page's form, as a person would."""
    page.goto(base + start)
    if start == "/":
        page.get_by_role("button", name="Sign in to start").click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.get_by_label("User id (sub)").fill(sub)
    page.get_by_label("Groups").fill(groups)
    page.get_by_label("Member id").fill(member_id)
    page.get_by_label("Affiliate").fill(affiliate)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(?!auth/callback).*"))


def check_page(page: Page, name: str) -> None:
    """axe-core at a phone's width and a desktop's (and a tablet's for the console), and a screenshot at each."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_load_state("networkidle")
    expect_no_busy(page)
    size = page.viewport_size or DESKTOP
    widths = [("390", PHONE), ("desktop", DESKTOP)]
    if name.startswith(("office-", "staff-")):
        widths.insert(1, ("tablet", TABLET))  # the console is used on tablets too
    for label, viewport in widths:
        page.set_viewport_size(viewport)
        violations = axe(page)
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, f"{name} at {label}: " + json.dumps(
            [{"id": v["id"], "impact": v["impact"], "help": v["help"],
              "nodes": [n["target"] for n in v["nodes"]][:5]} for v in serious], indent=1)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {label} is {overflow}px wider than the window"
        shot = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
        chosen = os.environ.get("PORTAL_SCREENSHOTS")
        if chosen and name in DOCUMENTED:
            target = ROOT / chosen
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target / shot.name)
    page.set_viewport_size(size)


# The screenshots the README shows (docs/screenshots/).
DOCUMENTED = {"member-dashboard", "member-cec-form", "member-cecs-submitted", "member-contact-error",
              "office-roster-preview", "staff-rule-set", "staff-invoice-run", "staff-review",
              "staff-import-done", "member-not-linked", "staff-member-activity", "staff-reports-export",
              "staff-deadline-run", "office-renewals", "staff-needs-authenticator", "account-security-scan",
              "staff-member-history", "staff-reports"}


def expect_readable_on_a_phone(page: Page, table: Any, row_name: str, **values: str) -> None:
    """At 390 px a row of `table` (a region) shows each column's name beside its value, every cell inside
    the window and the region never wider than it shows: nothing to scroll sideways for."""
    size = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    try:
        row = table.get_by_role("row", name=re.compile(row_name))
        for label, value in values.items():
            expect(row).to_contain_text(re.compile(rf"{label}\s+{re.escape(value)}"), use_inner_text=True)
        for box in (cell.bounding_box() for cell in row.get_by_role("cell").all()):
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (row_name, box)
        assert table.evaluate("region => region.scrollWidth <= region.clientWidth"), f"{row_name}: the table scrolls sideways"
    finally:
        page.set_viewport_size(size)


def expect_no_busy(page: Page) -> None:
    """Nothing is loading any more (a locator, not wait_for_function: the portal's CSP forbids eval)."""
    expect(page.locator('[aria-busy="true"]')).to_have_count(0, timeout=15_000)


def axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the portal's CSP (no inline scripts) does not govern.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def api_token(client: Client, **claims: Any) -> str:
    return client.token(claims.pop("sub"), claims.pop("groups"), claims.get("member_id"), claims.get("affiliate"))


def wait_for(check, timeout_s: float = 20.0, every_s: float = 0.3):
    """Polls `check` until it returns something truthy."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every_s)


__all__ = ["YEAR", "TODAY", "put_member", "sign_in", "check_page", "api_token", "wait_for", "requests",
           "expect_readable_on_a_phone"]
