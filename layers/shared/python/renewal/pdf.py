"""PDF documents (reportlab): the credential certificate and the CEC transcript.
reportlab is imported here only, when a document is asked for."""

from __future__ import annotations

import io
from collections.abc import Sequence


def _canvas(buffer: io.BytesIO, landscape: bool = False):
    from reportlab.lib.pagesizes import landscape as turn, letter
    from reportlab.pdfgen import canvas

    size = turn(letter) if landscape else letter
    return canvas.Canvas(buffer, pagesize=size, pageCompression=0), size


def certificate(*, name: str, credential: str, earned_on: str, renewed_through: str, number: str,
                verify_url: str) -> bytes:
    buffer = io.BytesIO()
    page, (width, height) = _canvas(buffer, landscape=True)
    page.setTitle(f"{credential} certificate {number}")
    page.setFont("Helvetica-Bold", 30)
    page.drawCentredString(width / 2, height - 140, "Certificate of Credential")
    page.setFont("Helvetica", 16)
    page.drawCentredString(width / 2, height - 200, "This certifies that")
    page.setFont("Helvetica-Bold", 26)
    page.drawCentredString(width / 2, height - 245, name)
    page.setFont("Helvetica", 16)
    page.drawCentredString(width / 2, height - 290, f"holds the credential {credential}")
    page.drawCentredString(width / 2, height - 320, f"Earned on {earned_on} \u00b7 Renewed through {renewed_through}")
    page.setFont("Helvetica", 11)
    page.drawCentredString(width / 2, 110, f"Certificate number {number}")
    page.drawCentredString(width / 2, 90, f"Verify at {verify_url}")
    page.showPage()
    page.save()
    return buffer.getvalue()


def transcript(*, name: str, member_id: str, renewal_year: int, window: str, rows: Sequence[Sequence[str]],
               totals: Sequence[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    page, (width, height) = _canvas(buffer)
    page.setTitle(f"CEC transcript {renewal_year} {member_id}")
    y = height - 60

    def line(text: str, size: int = 10, bold: bool = False) -> None:
        nonlocal y
        if y < 60:
            page.showPage()
            y = height - 60
        page.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        page.drawString(50, y, text)
        y -= size + 6

    line(f"CEC transcript: {name} ({member_id})", 16, bold=True)
    line(f"Renewal year {renewal_year} \u00b7 CECs earned {window}", 11)
    y -= 6
    line("Date        CEC   In-network  Status       Title (provider)", 9, bold=True)
    for date, title, provider, credit, in_network, status in rows:
        line(f"{date}  {credit:>5}  {in_network:<10}  {status:<11}  {title} ({provider})"[:110], 9)
    if not rows:
        line("No activities in this earning window yet.", 9)
    y -= 6
    for label, value in totals:
        line(f"{label}: {value}", 10, bold=True)
    page.showPage()
    page.save()
    return buffer.getvalue()
