"""Sign-in security in Chromium: a member of the institute staff whose account
(in the local user pool, group naaei) has no authenticator app signs in without
their staff access (the pool's pre-token-generation trigger withholds it): a
banner says why, the staff console says what to do; they set up an app from the
key the page shows (the test computes its codes, as the phone would), a wrong
code is refused in words, then sign out and in with a fresh code, and the staff
console opens. axe checks every page at a phone's and a desktop's width."""

from __future__ import annotations

import re
import time

import pyotp
import requests
from playwright.sync_api import Page, expect

from conftest import check_page

WRONG_CODE = "That code did not match. Check your phone's time and try the newest code."
BANNER = "Your institute staff access needs an authenticator app."


def staff_account(stack, email: str) -> None:
    made = requests.post(f"{stack.url}/_local/user-pool/sign-up", json={"email": email, "groups": ["naaei"]},
                         timeout=30)
    assert made.status_code == 201, made.text


def pool_sign_in(page: Page, stack, email: str, start: str) -> None:
    """From a page of the portal to the sign-in page, and in with the account's e-mail."""
    page.goto(stack.url + start)
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Continue with this e-mail").click()


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_staff_set_up_an_authenticator_app_and_get_their_staff_access(stack, page: Page) -> None:
    email = "nadia.staff@example.org"
    staff_account(stack, email)

    # Signed in, but without the staff group: the console says why rather than failing.
    pool_sign_in(page, stack, email, "/staff/members")
    page.wait_for_url(f"{stack.url}/staff/members")
    expect(page.get_by_role("heading", name="Set up your authenticator app first", level=1)).to_be_visible()
    expect(page.get_by_text(BANNER)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # no staff pages offered
    check_page(page, "staff-needs-authenticator")

    page.locator(".mfa-banner").get_by_role("link", name="Set one up").click()
    expect(page.get_by_role("heading", name="Sign-in security", level=1)).to_be_visible()
    card = page.get_by_role("article")
    expect(card.locator(".badge")).to_have_text("Not set up")
    check_page(page, "account-security")

    card.get_by_role("button", name="Set up an authenticator app").click()
    key = page.locator(".secret-key")
    expect(key).to_have_text(re.compile(r"^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$"))
    secret = key.inner_text().replace(" ", "")
    link = page.get_by_role("link", name="Open in an authenticator app on this device")
    expect(link).to_have_attribute("href", re.compile(rf"^otpauth://totp/.*\?secret={secret}&issuer="))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_page(page, "account-security-scan")

    # The phone's app, here: the codes of the key the page shows.
    totp = pyotp.TOTP(secret)
    code = page.get_by_label("Enter the 6-digit code your app shows")
    code.fill(wrong(totp.now()))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".field-message")).to_have_text(f"Error: {WRONG_CODE}")
    expect(code).to_have_attribute("aria-invalid", "true")
    check_page(page, "account-security-wrong-code")

    code.fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    done = page.get_by_role("status")
    expect(done).to_contain_text("Your authenticator app is set up")
    expect(done).to_contain_text("your access as institute staff comes with it")
    check_page(page, "account-security-done")

    # Out, and in again: the sign-in asks for the code; a wrong one is refused in words.
    done.get_by_role("button", name="Sign out now").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    pool_sign_in(page, stack, email, "/staff/members")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(wrong(totp.now()))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(WRONG_CODE)).to_be_visible()
    check_page(page, "sign-in-code-wrong")
    # A fresh code (the next one: the code used to set up the app is spent).
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{stack.url}/staff/members")
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(page.get_by_text(BANNER)).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments")).to_be_visible()
    page.goto(stack.url + "/account/security")
    expect(page.get_by_role("article").locator(".badge")).to_have_text("Set up")


def test_a_member_without_an_app_sees_the_page_and_no_banner(stack, page: Page) -> None:
    made = requests.post(f"{stack.url}/_local/user-pool/sign-up", json={"email": "mo.member@example.org"}, timeout=30)
    assert made.status_code == 201, made.text
    pool_sign_in(page, stack, "mo.member@example.org", "/account/security")
    expect(page.get_by_role("heading", name="Sign-in security", level=1)).to_be_visible()
    expect(page.get_by_role("article").locator(".badge")).to_have_text("Not set up")
    expect(page.get_by_text("needs an authenticator app")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign-in security")).to_have_attribute("aria-current", "page")
