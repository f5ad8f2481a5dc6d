"""One-time tickets, their receipt slip and QR codes, and the counter posters, in a real browser.

A ticket is issued through the API as the one-stop-shop system would; the citizen opens it on a
phone, sees who served them and for which procedure, and rates it once. Used, expired and forged
tickets get a kind page in the citizen's language. The slip fits an 80 mm thermal printer; posters
print one per page, A4 or A5, in the browser and as a PDF.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from feedback.models import Response, Service, Staff, Ticket

pytestmark = pytest.mark.e2e

MOBILE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# 80 mm at the CSS 96 px per inch.
SLIP_PX = round(80 / 25.4 * 96)
MM = 96 / 25.4
COUNTER = "KH-TTHCC-Q03"
STAFF_NAME = "Nguyễn Thị Thu Hà"
SERVICE = {
    "vi": "Cấp giấy phép xây dựng mới đối với công trình cấp III",
    "en": "Construction permit for a grade III building",
}
TICKET = {"counter": COUNTER, "staff": "CB0001", "service": "1.009972"}
TITLES = {
    "used": {"vi": "Phiếu đánh giá này đã được sử dụng", "en": "This feedback slip has already been used"},
    "expired": {"vi": "Phiếu đánh giá đã hết hạn", "en": "This feedback slip has expired"},
    "forged": {"vi": "Phiếu đánh giá không hợp lệ", "en": "This feedback slip is not valid"},
}


def assert_clean(visit) -> None:  # noqa: ANN001
    assert not visit.blocked, f"the page asked for other hosts: {visit.blocked}"
    assert not visit.errors, f"console errors or failed subresources: {visit.errors}"


def assert_no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"


def served(page: Page) -> dict[str, str]:
    terms = [t.strip() for t in page.locator("dl.served dt").all_inner_texts()]
    values = [t.strip() for t in page.locator("dl.served dd").all_inner_texts()]
    return dict(zip(terms, values, strict=True))


# --- the ticket survey -----------------------------------------------------------------------------


def test_ticket_names_staff_and_service_and_is_used_once(  # noqa: PLR0915
    open_page, live_server, live_db, issue_ticket, screenshot, check_axe
) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET)
    assert ticket["url"].startswith(live_server(f"/t/{ticket['token']}"))
    visit = open_page(**MOBILE)
    page = visit.page

    answer = page.goto(ticket["url"])
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa")
    expect(page.locator("main .counter")).to_have_text("Quầy 03 – Xây dựng")
    assert served(page) == {"Cán bộ phục vụ": STAFF_NAME, "Thủ tục": SERVICE["vi"]}
    # Staff and service are fixed by the ticket: the citizen is not asked for them.
    expect(page.locator("form#survey select, form#survey input[name=staff]")).to_have_count(0)
    assert_no_sideways_scroll(page)
    screenshot(page, "ticket-mobile")
    check_axe(page, "the ticket survey (vi, mobile)")

    page.locator("fieldset#overall label.opt").filter(has=page.locator("input[value='5']")).tap()
    page.locator("form#survey button[type=submit]").tap()
    page.wait_for_url(re.compile(rf"/q/{COUNTER}/thanks/[0-9A-Z]{{8}}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảm ơn Ông/Bà đã đánh giá!")

    token_id = ticket["token"].rsplit(".", 1)[0]
    row = live_db.all(
        select(Response.channel, Response.staff_attribution, Staff.code, Service.code, Ticket.used_at)
        .join(Ticket, Response.ticket_id == Ticket.id)
        .join(Staff, Response.staff_id == Staff.id)
        .join(Service, Response.service_id == Service.id)
        .where(Ticket.token_id == token_id)
    )
    assert len(row) == 1
    channel, attribution, staff_code, service_code, used_at = row[0]
    assert (channel, attribution, staff_code, service_code) == ("ticket", "ticket", "CB0001", "1.009972")
    assert used_at is not None

    # The same ticket again, e.g. from the browser history: a kind "already used" page, in vi and en.
    for lang in ("vi", "en"):
        answer = page.goto(ticket["url"] + ("?lang=en" if lang == "en" else "?lang=vi"))
        assert answer is not None and answer.status == 410
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLES["used"][lang])
        expect(page.locator("form#survey")).to_have_count(0)
        if lang == "vi":
            expect(page.locator("main")).to_contain_text("đánh giá đã được ghi nhận")
            screenshot(page, "ticket-used-mobile")
            check_axe(page, "the used-ticket page")
        else:
            expect(page.locator("main")).to_contain_text("Thank you")

    assert_clean(visit)


def test_ticket_in_english_names_the_service_in_english(open_page, live_server, issue_ticket) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET)
    visit = open_page(**MOBILE)
    page = visit.page
    page.goto(ticket["url"] + "?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert served(page) == {"Served by": STAFF_NAME, "Procedure": SERVICE["en"]}
    assert_no_sideways_scroll(page)
    assert_clean(visit)


def test_a_ticket_kept_open_in_two_tabs_is_used_once(open_page, live_server, live_db, issue_ticket) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET)
    visit = open_page(**MOBILE)
    first, second = visit.page, visit.context.new_page()
    for page in (first, second):
        page.bring_to_front()
        page.goto(ticket["url"])
        page.locator("fieldset#overall label.opt").filter(has=page.locator("input[value='4']")).tap()
    first.bring_to_front()
    first.locator("form#survey button[type=submit]").tap()
    first.wait_for_url(re.compile(r"/thanks/[0-9A-Z]{8}$"))
    second.bring_to_front()
    with second.expect_response(lambda r: r.request.method == "POST") as posted:
        second.locator("form#survey button[type=submit]").tap()
    assert posted.value.status == 410
    expect(second.get_by_role("heading", level=1)).to_have_text(TITLES["used"]["vi"])
    token_id = ticket["token"].rsplit(".", 1)[0]
    stored = live_db.all(
        select(Response.id).join(Ticket, Response.ticket_id == Ticket.id).where(Ticket.token_id == token_id)
    )
    assert len(stored) == 1


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_forged_and_expired_tickets_get_a_kind_page(open_page, live_server, live_db, issue_ticket, lang) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET, ttl_minutes=5)
    token = ticket["token"]
    visit = open_page(**MOBILE)
    page = visit.page
    query = f"?lang={lang}"

    # One character of the signature changed: refused without a lookup, as "not valid".
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = page.goto(live_server(f"/t/{forged}{query}"))
    assert answer is not None and answer.status == 404
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES["forged"][lang])
    expect(page.locator("form#survey")).to_have_count(0)
    answer = page.goto(live_server(f"/t/not-a-token{query}"))
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES["forged"][lang])
    assert page.request.get(live_server(f"/t/{forged}/qr.svg")).status == 404
    assert page.request.get(live_server(f"/t/{forged}/slip")).status == 404

    # Its time has passed (the administrator's clock, not ours: move the expiry into the past).
    live_db.execute(
        update(Ticket)
        .where(Ticket.token_id == token.rsplit(".", 1)[0])
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    answer = page.goto(live_server(f"/t/{token}{query}"))
    assert answer is not None and answer.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES["expired"][lang])
    expect(page.locator("form#survey")).to_have_count(0)
    if lang == "vi":
        expect(page.locator("main")).to_contain_text("mã QR tại quầy")
    assert_clean(visit)


# --- the receipt slip and the QR codes -------------------------------------------------------------


def test_receipt_slip_fits_an_80_mm_printer(open_page, live_server, issue_ticket, screenshot, check_axe) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET)
    visit = open_page(viewport={"width": SLIP_PX, "height": 700})
    page = visit.page
    answer = page.goto(live_server(f"/t/{ticket['token']}/slip"))
    assert answer is not None and answer.status == 200
    slip = page.locator("main.slip")
    expect(slip).to_contain_text(STAFF_NAME)
    expect(slip).to_contain_text(SERVICE["vi"])
    expect(slip).to_contain_text("Quầy 03 – Xây dựng")
    expect(slip.locator(".url")).to_have_text(ticket["url"])
    box = slip.bounding_box()
    assert box is not None and abs(box["width"] - 72 * MM) < 2, f"the slip is {box} wide, not 72 mm"
    qr = slip.locator(".qr svg")
    expect(qr).to_have_count(1)
    qr_box = qr.bounding_box()
    assert qr_box is not None and qr_box["width"] >= 45 * MM, f"the QR is too small to scan: {qr_box}"
    assert_no_sideways_scroll(page)
    page.emulate_media(media="print")
    assert_no_sideways_scroll(page)
    screenshot(page, "ticket-slip")
    page.emulate_media(media="screen")
    check_axe(page, "the receipt slip")
    assert_clean(visit)


def test_ticket_qr_codes_as_svg_and_png(open_page, live_server, issue_ticket) -> None:  # noqa: ANN001
    ticket = issue_ticket(**TICKET)
    assert ticket["qr_svg"] == live_server(f"/t/{ticket['token']}/qr.svg")
    assert ticket["qr_png"] == live_server(f"/t/{ticket['token']}/qr.png")
    visit = open_page(**MOBILE)
    svg = visit.page.request.get(ticket["qr_svg"])
    assert svg.status == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.body()
    png = visit.page.request.get(ticket["qr_png"])
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.body().startswith(b"\x89PNG\r\n\x1a\n")
    # The browser draws both.
    for url in (ticket["qr_svg"], ticket["qr_png"]):
        visit.page.goto(url)
        size = visit.page.evaluate(
            "() => { const i = document.images[0] || document.querySelector('svg');"
            " const r = i.getBoundingClientRect(); return [r.width, r.height]; }"
        )
        assert size[0] > 50 and size[0] == pytest.approx(size[1]), size


# --- posters ---------------------------------------------------------------------------------------


def pdf_pages(pdf: bytes) -> tuple[int, list[tuple[float, float]]]:
    """The number of pages of a PDF and its page sizes in points, from its (uncompressed) page dictionaries.

    fpdf2 writes one /MediaBox for all pages, Chromium one per page: either way every size must match.
    """
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return count, [(float(w), float(h)) for w, h in boxes]


def assert_pages(pdf: bytes, count: int, size_pt: tuple[float, float]) -> None:
    pages, boxes = pdf_pages(pdf)
    assert pages == count, f"{pages} pages, not {count}"
    assert boxes, "no page size found"
    # 1.5 pt of slack: fpdf2's A5 is 148.5 mm wide.
    for width, height in boxes:
        assert abs(width - size_pt[0]) <= 1.5 and abs(height - size_pt[1]) <= 1.5, f"{boxes} are not {size_pt} pt"


A4_PT = (595.28, 841.89)
A5_PT = (419.53, 595.28)


def test_poster_print_page_has_one_poster_per_active_counter(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    visit = open_page(**DESKTOP)
    page = visit.page
    answer = page.goto(live_server("/posters/KH-TTHCC"))
    assert answer is not None and answer.status == 200
    posters = page.locator("section.poster")
    # Q01 and Q03; the paused Q99 gets no poster.
    expect(posters).to_have_count(2)
    expect(posters.nth(0).locator(".counter")).to_have_text("Quầy 01 – Tư pháp")
    expect(posters.nth(1).locator(".counter")).to_have_text("Quầy 03 – Xây dựng")
    expect(page.locator("section.poster", has_text="Quầy 99")).to_have_count(0)
    for index, code in enumerate(("KH-TTHCC-Q01", "KH-TTHCC-Q03")):
        poster = posters.nth(index)
        expect(poster.locator(".qr svg")).to_have_count(1)
        expect(poster.locator(".url")).to_have_text(f"{live_server.host}/q/{code}")
        expect(poster.locator(".unit")).to_have_text("Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa")
        box = poster.bounding_box()
        assert box is not None and abs(box["width"] - 210 * MM) < 2 and abs(box["height"] - 297 * MM) < 2, box
        qr = poster.locator(".qr svg").bounding_box()
        assert qr is not None and qr["width"] >= 100 * MM, qr
        # Nothing spills out of the page.
        overflow = poster.evaluate("(el) => el.scrollHeight - el.clientHeight")
        assert overflow <= 0, f"poster {code} overflows its page by {overflow} px"
    check_axe(page, "the poster print page")
    screenshot(page, "poster-screen", full_page=False)

    # What the printer gets: no toolbar, one A4 page per poster.
    page.emulate_media(media="print")
    expect(page.locator("nav.toolbar")).to_be_hidden()
    screenshot(page, "poster-print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert_pages(pdf, 2, A4_PT)
    assert_clean(visit)


def test_poster_a5_toggle(open_page, live_server, screenshot) -> None:  # noqa: ANN001
    visit = open_page(**DESKTOP)
    page = visit.page
    page.goto(live_server("/posters/KH-TTHCC"))
    page.get_by_role("link", name="A5", exact=True).click()
    page.wait_for_url(live_server("/posters/KH-TTHCC?size=a5"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bsize-a5\b"))
    expect(page.locator("nav.toolbar")).to_contain_text("A5")
    poster = page.locator("section.poster").first
    box = poster.bounding_box()
    assert box is not None and abs(box["width"] - 148 * MM) < 2 and abs(box["height"] - 210 * MM) < 2, box
    qr = poster.locator(".qr svg").bounding_box()
    assert qr is not None and 70 * MM <= qr["width"] <= 80 * MM, qr
    for section in page.locator("section.poster").all():
        assert section.evaluate("(el) => el.scrollHeight - el.clientHeight") <= 0, "an A5 poster overflows its page"
    # The PDF link keeps the size.
    expect(page.get_by_role("link", name="PDF")).to_have_attribute("href", "/posters/KH-TTHCC.pdf?size=a5")
    # The A5 poster's words are smaller than the A4 one's, in proportion.
    a5_counter = float(poster.locator(".counter").evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)"))
    page.emulate_media(media="print")
    screenshot(page, "poster-print-a5")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert_pages(pdf, 2, A5_PT)

    page.emulate_media(media="screen")
    page.get_by_role("link", name="A4", exact=True).click()
    page.wait_for_url(live_server("/posters/KH-TTHCC?size=a4"))
    a4_counter = float(
        page.locator("section.poster .counter").first.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    )
    assert a5_counter == pytest.approx(a4_counter * 148 / 210, rel=0.05), (a5_counter, a4_counter)
    assert_clean(visit)


@pytest.mark.parametrize(("size", "page_pt"), [("a4", A4_PT), ("a5", A5_PT)])
def test_poster_pdf(open_page, live_server, size, page_pt) -> None:  # noqa: ANN001
    visit = open_page(**DESKTOP)
    answer = visit.page.request.get(live_server(f"/posters/KH-TTHCC.pdf?size={size}"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="posters-KH-TTHCC-{size}.pdf"' in answer.headers["content-disposition"]
    body = answer.body()
    assert body.startswith(b"%PDF")
    assert_pages(body, 2, page_pt)


def test_posters_of_an_unknown_unit_are_404(open_page, live_server) -> None:  # noqa: ANN001
    visit = open_page(**DESKTOP)
    assert visit.page.goto(live_server("/posters/NOPE")).status == 404
    assert visit.page.request.get(live_server("/posters/NOPE.pdf")).status == 404
