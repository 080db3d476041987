"""The member portal in Chromium, each journey from sign-in: contact details
with the server's message beside the field, paying through the local checkout
page, a CEC form from filing to review, the transcript, certificates and the
public verify page. Every page visited is checked with axe at 390 px and at a
desktop's width."""

from __future__ import annotations

import io
import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from conftest import YEAR, api_token, check_page, expect_no_busy, put_member, sign_in, wait_for

AFFILIATE = {"sub": "aasc-office", "groups": ["affiliate"], "affiliate": "AASC"}


def member_sign_in(page: Page, stack, member_id: str, start: str = "/") -> None:
    sign_in(page, stack.url, sub=f"user-{member_id}", groups="member", member_id=member_id, start=start)


def test_a_bad_phone_shows_the_servers_message_beside_the_field_then_saves(stack, page: Page) -> None:
    put_member(stack, "M-3001", "Ana", "Diaz", "CAM", "CALP")
    member_sign_in(page, stack, "M-3001")
    expect(page.get_by_role("heading", name="Welcome, Ana")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{YEAR} renewal")).to_be_visible()
    expect(page.get_by_text("Your renewal is due January 1, 2031.")).to_be_visible()
    expect(page.get_by_text("Report and submit 8 more CECs, 5 of them in-network.")).to_be_visible()
    expect(page.locator(".site-header .who")).to_have_text("Member M-3001")  # no e-mail in the token: the member id
    check_page(page, "member-dashboard-before-invoice")

    page.get_by_role("link", name="Contact information").click()
    expect(page).to_have_title(re.compile("^Contact information"))
    phone = page.get_by_label("Phone number")
    expect(phone).to_have_value("(719) 555-0100")
    check_page(page, "member-contact")
    phone.fill("555-01")
    page.get_by_role("button", name="Save contact information").click()

    # The server's message, beside the field, and in the summary that links to it.
    message = page.locator("#field-phone-error")
    expect(message).to_contain_text(re.compile("not a valid phone number", re.I))
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("link", name=re.compile("^Phone number: Not a valid phone number"))).to_be_visible()
    check_page(page, "member-contact-error")

    phone.fill("(719) 555-0199")
    page.get_by_label("ZIP code").fill("80904")
    page.get_by_role("button", name="Save contact information").click()
    expect(page.get_by_role("status")).to_have_text("Your contact information is saved.")
    expect(page.locator("#field-phone-error")).to_have_count(0)
    member = stack.request("GET", "/me", token=stack.member_token("M-3001")).json()
    assert member["contact"]["phone"] == "+17195550199"
    assert member["contact"]["address"]["postal_code"] == "80904"
    assert member["contact"]["address"]["line1"] == "1 Main St"  # untouched fields are not sent


def invoice_run(stack) -> None:
    staff = stack.staff_token()
    started = stack.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert wait_for(lambda: stack.request("GET", f"/admin/invoice-runs/{run_id}", token=staff)
                    .json()["status"] == "completed", 60)


def test_paying_through_checkout_shows_paid_once_the_webhook_recorded_it(stack, page: Page) -> None:
    put_member(stack, "M-3002", "Marcus", "Bell", "CAM", "CALP")
    invoice_run(stack)
    member_sign_in(page, stack, "M-3002")
    expect(page.get_by_text("Pay $300.00.")).to_be_visible()
    expect(page.get_by_role("cell", name="CAM renewal 2031")).to_be_visible()
    check_page(page, "member-dashboard")

    page.get_by_role("link", name="Pay now").click()
    expect(page.get_by_role("heading", name=f"Your {YEAR} renewal invoice")).to_be_visible()
    check_page(page, "member-pay")
    page.get_by_role("button", name="Pay $300.00 by card").click()

    # The local stand-in for Stripe's hosted page; its button sends the signed webhook.
    page.wait_for_url(re.compile(r".*/_local/stripe/checkout/.*"))
    page.get_by_role("button", name="Pay 300.00 USD").click()
    page.wait_for_url(re.compile(rf".*/pay/INV-{YEAR}-M-3002/done$"))
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("$300.00 paid for 2031")
    check_page(page, "member-paid")

    page.get_by_role("link", name="Go to your dashboard").click()
    card = page.get_by_role("article", name=f"{YEAR} renewal")
    expect(card.get_by_role("region", name="Payment").locator(".badge")).to_have_text("Paid")
    expect(card.get_by_role("link", name="Pay now")).to_have_count(0)


def test_a_cancelled_checkout_says_nothing_was_charged(stack, page: Page) -> None:
    put_member(stack, "M-3006", "Luis", "Ortega", "CAM")
    invoice_run(stack)
    member_sign_in(page, stack, "M-3006", start=f"/pay/INV-{YEAR}-M-3006")
    page.get_by_role("button", name="Pay $175.00 by card").click()
    page.wait_for_url(re.compile(r".*/_local/stripe/checkout/.*"))
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Payment cancelled")).to_be_visible()
    expect(page.get_by_text("Nothing was charged.")).to_be_visible()
    invoice = stack.request("GET", f"/me/invoices/INV-{YEAR}-M-3006", token=stack.member_token("M-3006")).json()
    assert invoice["status"] == "open"


def file_form(page: Page, title: str, minutes: str, *, kind: str = "Conference or Expo session",
              document: bytes | None = None) -> None:
    page.get_by_role("link", name="Report CECs on a form").click()
    expect(page).to_have_title(re.compile("^Report CECs"))
    activity = page.get_by_role("group", name="Activity 1")
    activity.get_by_label("Type").select_option(label=kind)
    activity.get_by_label("Title").fill(title)
    activity.get_by_label("Provider").fill("NAA Expo")
    activity.get_by_label("Date").fill(f"{YEAR - 1}-06-12")
    activity.get_by_label("Minutes of education").fill(minutes)
    activity.get_by_label("Minutes of breaks and meals").fill("60")
    # The worth is shown as the member types: (minutes - breaks) / 60, down to the half.
    expect(activity.get_by_text(re.compile(r"^Worth"))).to_have_text(
        f"Worth {((int(minutes) - 60) // 30) / 2:g} CECs")
    if document is not None:
        page.get_by_label("Scanned document").set_input_files(
            {"name": "attendance.pdf", "mimeType": "application/pdf", "buffer": document})
        check_page(page, "member-cec-form")
    page.get_by_role("button", name="Send to my affiliate office").click()
    expect(page.get_by_role("status")).to_contain_text("Your form was sent to your affiliate office")


def verify_forms(stack, member_id: str) -> list[str]:
    office = api_token(stack, **AFFILIATE)
    waiting = stack.request("GET", "/affiliate/cec-forms", token=office,
                            params={"status": "awaiting_affiliate"}).json()["items"]
    mine = [f for f in waiting if f["member_id"] == member_id]
    for form in mine:
        decided = stack.request("POST", f"/affiliate/cec-forms/{form['form_id']}/decision", token=office,
                                json={"decision": "verify"})
        assert decided.status_code == 200, decided.text
    return [f["form_id"] for f in mine]


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    drawing.drawString(72, 720, "Certificate of attendance: NAA Expo 2030")
    drawing.save()
    return out.getvalue()


def test_a_cec_form_is_filed_verified_submitted_refused_incomplete_then_completed(stack, page: Page) -> None:
    put_member(stack, "M-3003", "Priya", "Raman", "CAM")
    member_sign_in(page, stack, "M-3003")
    page.get_by_role("link", name="CECs", exact=True).click()
    expect(page.get_by_text("No activities for this renewal year yet.")).to_be_visible()
    check_page(page, "member-cecs-empty")

    # 1. A form with one 4-CEC activity and its scanned document, uploaded straight to storage.
    file_form(page, "Expo keynote and sessions", "300", document=small_pdf())
    expect(page.get_by_text("Awaiting the affiliate office")).to_be_visible()
    (form_id,) = verify_forms(stack, "M-3003")
    document = stack.request("GET", f"/me/cec-forms/{form_id}", token=stack.member_token("M-3003")).json()
    assert document["document_upload_id"] and document["document_url"]

    # 2. Verified: submitting it alone leaves CECs missing, said as a sentence.
    page.reload()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Expo keynote")).check()
    page.get_by_role("button", name="Submit for review").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("You still need 4 CECs, 1 of them in-network.")
    check_page(page, "member-cecs-incomplete")

    # 3. A second form makes it complete: both are submitted together and go to review.
    file_form(page, "Online leasing law course", "300", kind="Institute-approved online course")
    verify_forms(stack, "M-3003")
    page.reload()
    for name in ("Expo keynote", "Online leasing law"):
        page.get_by_role("checkbox", name=re.compile(name)).check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted")

    def in_review() -> bool:
        page.reload()
        page.get_by_role("heading", name="Your submissions").wait_for()
        expect_no_busy(page)
        return page.locator(".form-list .badge", has_text="In review").count() > 0

    assert wait_for(in_review, 30), "the submission never reached review"
    expect(page.get_by_text("In review: 8 CECs")).to_be_visible()
    check_page(page, "member-cecs-submitted")

    # 4. The transcript, downloaded as PDF and CSV.
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download transcript (PDF)").click()
    assert pdf_download.value.suggested_filename == f"cec-transcript-{YEAR}.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    assert "Priya Raman" in text and "Expo keynote and sessions" in text
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download transcript (CSV)").click()
    csv_text = open(csv_download.value.path(), encoding="utf-8").read()
    assert csv_text.startswith("completed_on,title,provider,type,cec,in_network,status,note")
    assert "Online leasing law course" in csv_text


def test_a_certificate_downloads_and_its_verify_page_opens_signed_out(stack, page: Page, browser) -> None:
    put_member(stack, "M-3004", "Jasmine", "Carter", "CAM")
    member_sign_in(page, stack, "M-3004")
    page.get_by_role("link", name="Certificates").click()
    check_page(page, "member-certificates")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CAM certificate (PDF)").click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    number = re.search(r"Certificate number (\S+)", text).group(1)
    url = re.search(r"Verify at (\S+)", text).group(1)
    assert url == f"{stack.url}/verify/{number}"  # the portal's page, printed on the certificate

    # Anyone, signed out, opens the address on the certificate.
    visitor = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        public = visitor.new_page()
        public.goto(url)
        expect(public.get_by_role("heading", name="Verify a certificate")).to_be_visible()
        expect(public.get_by_text("Valid", exact=True)).to_be_visible()
        details = public.locator("dl")
        expect(details).to_contain_text("Jasmine Carter")
        expect(details).to_contain_text("CAM")
        expect(details).to_contain_text("Renewed throughNo renewal recorded yet")  # none settled in this stack
        expect(public.locator("main")).not_to_contain_text("@example.org")  # nothing else about the holder
        check_page(public, "public-verify")
        public.goto(f"{stack.url}/verify/0000-0000-0000-0000")
        expect(public.get_by_role("alert")).to_contain_text("No certificate has this number.")
    finally:
        visitor.close()


def test_a_waiver_request_with_a_document_is_listed_with_its_status(stack, page: Page) -> None:
    put_member(stack, "M-3005", "Tom", "Kowalski", "CAM")
    member_sign_in(page, stack, "M-3005")
    page.get_by_role("link", name="Waivers").click()
    expect(page.get_by_text("You have not asked for a waiver.")).to_be_visible()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#field-reason-error")).to_be_visible()  # the server's word: a reason is needed
    page.get_by_label("Military deployment").check()
    page.get_by_label("Why you are asking").fill("Deployed overseas with my unit until August.")
    page.get_by_label("Supporting document").set_input_files(
        {"name": "orders.pdf", "mimeType": "application/pdf", "buffer": small_pdf()})
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    request = page.locator(".form-list > li").first
    expect(request).to_contain_text(f"Military deployment, {YEAR}")
    expect(request).to_contain_text("Pending")
    check_page(page, "member-waivers")
