"""Going live in Chromium: staff import a member file from the console (a dry
run with its counts and rejected rows, then the import with its progress bar),
link or invite an account from a member's page; a person whose e-mail is on
file creates an account from the start page and lands on their own renewal, and
one whose e-mail is not is told what to do. axe checks every page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from conftest import YEAR, check_page, expect_readable_on_a_phone, put_member, sign_in

HEADER = ("member_id,first_name,last_name,email,phone,address_line1,address_line2,city,state,postal_code,country,"
          "affiliate,credentials,renewed_through")


def staff_sign_in(page: Page, stack, start: str = "/") -> None:
    sign_in(page, stack.url, sub="staff-golive", groups="naaei", start=start)


def test_staff_import_a_member_file_from_the_console(stack, page: Page, tmp_path) -> None:
    rows = [f"GL-{n},Gael,\"Núñez, {n}\",gael{n}@example.org,(719) 555-01{n:02d},1 Main St,,Denver,CO,80202,US,AASC,"
            f"CAM:2019-05-04;NALP:2020-02-01,{YEAR - 1}" for n in range(4)]
    rows += ["GL-8,Bad,Address,not-an-address,,,,,,,,AASC,CAM:2019-05-04,",
             "GL-9,Bad,Code,bad.code@example.org,,,,,,,,AASC,XYZ:2019-05-04,"]
    member_file = tmp_path / "members.csv"
    member_file.write_bytes(("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8"))

    staff_sign_in(page, stack)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import members", exact=True).click()
    expect(page.get_by_role("heading", name="Import members", level=1)).to_be_visible()
    page.get_by_label("Member file").set_input_files(str(member_file))
    page.get_by_role("button", name="Check the file (dry run)").click()

    dry_run = page.get_by_role("article").filter(has=page.get_by_role("heading", name=re.compile("^Dry run started")))
    expect(dry_run.locator(".badge")).to_have_text("Completed", timeout=60_000)
    expect(dry_run.get_by_text("6 of 6 rows done")).to_be_visible()
    rejected = dry_run.get_by_role("region", name="Rejected rows")
    expect(rejected.get_by_role("row")).to_have_count(3)  # the header and two rows
    expect(rejected.get_by_role("cell", name=re.compile("^Unknown credential code 'XYZ'"))).to_be_visible()
    expect(rejected.get_by_role("cell", name=re.compile("^Not a valid e-mail address"))).to_be_visible()
    expect(dry_run.get_by_text("4 members would be created and 0 members updated.")).to_be_visible()
    check_page(page, "staff-import-dry-run")
    # On a phone each rejected row is a card: its row, column and problem read without a sideways scroll.
    expect_readable_on_a_phone(page, rejected.locator(".table-scroll"), "credentials", Row="7", Column="credentials",
                               Problem="Unknown credential code 'XYZ'")
    assert stack.request("GET", "/admin/members/GL-0", token=stack.staff_token()).status_code == 404

    page.get_by_label("Invite every imported member who has no account yet").check()
    page.get_by_role("button", name="Import 6 rows").click()
    imported = page.get_by_role("article").filter(has=page.get_by_role("heading", name=re.compile("^Import started")))
    expect(imported.locator(".badge")).to_have_text("Completed", timeout=60_000)
    expect(imported.locator("progress")).to_have_attribute("value", "6")
    facts = imported.locator("dl.facts")
    expect(facts).to_contain_text("Created4")
    expect(facts).to_contain_text("Rejected2")
    expect(facts).to_contain_text("Invited4")
    check_page(page, "staff-import-done")
    member = stack.request("GET", "/admin/members/GL-2", token=stack.staff_token()).json()
    assert member["last_name"] == "Núñez, 2" and member["account"]["status"] == "invited"
    expect(page.get_by_role("region", name="Past imports").get_by_role("row")).to_have_count(3)


def test_staff_invite_a_member_from_the_member_page(stack, page: Page) -> None:
    put_member(stack, "GL-20", "Ines", "Invite", "CAM")
    staff_sign_in(page, stack, start="/staff/members/GL-20")
    card = page.get_by_role("region", name="Sign-in account")
    expect(card).to_contain_text("No account is linked to this member yet")
    check_page(page, "staff-member-account")
    card.get_by_role("button", name="Link or invite").click()
    expect(card.get_by_role("status")).to_have_text("The invitation is on its way.")
    expect(card.locator(".badge")).to_have_text("Invited")


def test_a_person_whose_email_is_on_file_creates_an_account_and_sees_their_renewal(stack, page: Page) -> None:
    put_member(stack, "GL-30", "Sofia", "Signup", "CAM")  # e-mail on file: sofia.signup@example.org
    page.goto(stack.url + "/")
    page.get_by_role("button", name="Create your account").click()
    page.wait_for_url(re.compile(r".*/_local/cognito/signup.*"))
    check_page(page, "sign-up")
    page.get_by_label("E-mail address").fill("Sofia.Signup@example.org")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Welcome, Sofia")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{YEAR} renewal")).to_be_visible()
    check_page(page, "member-signed-up")


def test_a_person_whose_email_is_not_on_file_is_told_what_to_do(stack, page: Page) -> None:
    page.goto(stack.url + "/")
    page.get_by_role("button", name="Create your account").click()
    page.get_by_label("E-mail address").fill("someone.else@example.org")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your account is not linked to a member record yet")).to_be_visible()
    expect(page.get_by_text("Sign up with the e-mail address the institute has on file for you")).to_be_visible()
    expect(page.locator(".site-header .who")).to_have_text("someone.else@example.org")  # not the account's UUID
    check_page(page, "member-not-linked")
    page.goto(stack.url + "/contact")  # a member page says the same, not "no role"
    expect(page.get_by_role("heading", name="Your account is not linked to a member record yet")).to_be_visible()
