"""Kiosk mode in a real browser: a tablet at the counter, facing one citizen after another.

The tablet is enrolled with the administrator's one-time link; a citizen taps a big face, may answer
the rest, and the kiosk thanks them and starts afresh by itself (after sending, or after being left
alone). Nothing of one citizen's answers is left for the next, not even behind the back button. With
the network cut the answers wait in the browser and reach the server once, when it comes back. Staff
sign in with their code and PIN, and the responses of their shift are attributed to them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from feedback.models import Answer, Question, Response, ResponseFlag, Staff
from tests.e2e.conftest import PATIENCE_MS, enrol_link

pytestmark = pytest.mark.e2e

# A landscape tablet, touch screen.
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
KIOSK_COOKIE = "fbk_kiosk"
COUNTER = "KH-TTHCC-Q03"
STAFF_COUNTER = "KH-TTHCC-Q01"  # staff sign-in tests use their own counter, so Q03 stays unattributed
THANKS = "Cảm ơn Ông/Bà đã đánh giá!"
NOT_ENROLLED = "Thiết bị chưa được đăng ký làm kiosk"
STAFF = {"CB0001": "Nguyễn Thị Thu Hà", "CB0002": "Trần Văn Minh"}
PIN = "20250601"
DAY = 24 * 3600


@dataclass
class Kiosk:
    visit: object
    page: Page
    code: str
    device_id: int

    @property
    def context(self):  # noqa: ANN201
        return self.visit.context


def enrol(open_page, live_server, code: str = COUNTER, **options) -> Kiosk:  # noqa: ANN001, ANN003
    """Enrol a fresh browser context as a kiosk of ``code``, the way an administrator does on the tablet."""
    visit = open_page(**{**TABLET, **options})
    page = visit.page
    answer = page.goto(enrol_link(live_server, code))
    assert answer is not None and answer.status == 200
    page.get_by_role("button", name="Đăng ký kiosk").click()
    page.wait_for_url(live_server(f"/k/{code}"))
    cookie = next(c for c in visit.context.cookies() if c["name"] == KIOSK_COOKIE)
    # The cookie is "<device id>:<secret>.<signature>", signed by the server.
    device_id = int(cookie["value"].split(":", 1)[0])
    return Kiosk(visit=visit, page=page, code=code, device_id=device_id)


def face(page: Page, level: int, question: str = "overall") -> Locator:
    return page.locator(f"#kiosk-form fieldset#{question} label.opt").filter(
        has=page.locator(f"input[value='{level}']")
    )


def send_button(page: Page) -> Locator:
    return page.locator("#kiosk-form button[type=submit]")


def submission_id(page: Page) -> str:
    return page.locator("#kiosk-form input[name=submission_id]").input_value()


def assert_blank(page: Page) -> None:
    """The kiosk shows the start screen: nothing chosen, nothing typed."""
    expect(page.locator("#kiosk-form input:checked")).to_have_count(0)
    expect(page.locator("#kiosk-form textarea#comment")).to_have_value("")


def assert_clean(visit) -> None:  # noqa: ANN001
    assert not visit.blocked, f"the kiosk asked for other hosts: {visit.blocked}"
    assert not visit.errors, f"console errors or failed subresources: {visit.errors}"


def device_responses(live_db, device_id: int) -> list:  # noqa: ANN001
    return live_db.all(
        select(Response.id, Response.submission_id, Response.channel, Response.staff_attribution, Response.comment)
        .where(Response.kiosk_device_id == device_id)
        .order_by(Response.submitted_at, Response.id)
    )


def wait_for_rows(live_db, device_id: int, count: int, timeout: float = PATIENCE_MS / 1000) -> list:  # noqa: ANN001
    """The server stores an answer a moment after the browser sends it: poll the database for it."""
    deadline = time.monotonic() + timeout
    while True:
        rows = device_responses(live_db, device_id)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def overall_level(live_db, response_id: int) -> int | None:  # noqa: ANN001
    return live_db.scalar(
        select(Answer.value_int)
        .join(Question, Answer.question_id == Question.id)
        .where(Answer.response_id == response_id, Question.code == "overall")
    )


def staff_of(live_db, response_id: int) -> str | None:  # noqa: ANN001
    return live_db.scalar(
        select(Staff.code).join(Response, Response.staff_id == Staff.id).where(Response.id == response_id)
    )


def flag_codes(live_db, response_id: int) -> set[str]:  # noqa: ANN001
    return {code for (code,) in live_db.all(select(ResponseFlag.code).where(ResponseFlag.response_id == response_id))}


# --- enrolment -------------------------------------------------------------------------------------


def test_a_browser_that_is_not_enrolled_gets_a_friendly_403(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    visit = open_page(**TABLET)
    page = visit.page
    answer = page.goto(live_server(f"/k/{COUNTER}"))
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(NOT_ENROLLED)
    expect(page.locator("main")).to_contain_text("liên hệ quản trị viên")
    expect(page.locator("form")).to_have_count(0)
    screenshot(page, "kiosk-not-enrolled")
    check_axe(page, "the kiosk's not-enrolled page")

    # Nor can it post answers or reach the staff sign-in.
    posted = page.request.post(
        live_server(f"/k/{COUNTER}/responses"),
        data=json.dumps({"submission_id": "x", "answers": {"overall": 5}}),
        headers={"Content-Type": "application/json", "X-Kiosk": "1"},
    )
    assert posted.status == 403 and posted.json()["error"]["code"] == "kiosk_denied"
    answer = page.goto(live_server(f"/k/{COUNTER}/staff"))
    assert answer is not None and answer.status == 403
    assert_clean(visit)


def test_enrolment_link_sets_a_strict_device_cookie_once(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    link = enrol_link(live_server, COUNTER)
    visit = open_page(**TABLET)
    page = visit.page

    # Opening the link only asks; a link preview or a crawler cannot use it up.
    answer = page.goto(link)
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký thiết bị này làm kiosk")
    expect(page.locator("main")).to_contain_text(COUNTER)
    assert not [c for c in visit.context.cookies() if c["name"] == KIOSK_COOKIE]
    screenshot(page, "kiosk-enrol")
    check_axe(page, "the kiosk enrolment page")

    page.get_by_role("button", name="Đăng ký kiosk").click()
    page.wait_for_url(live_server(f"/k/{COUNTER}"))
    expect(page.locator("#kiosk-form fieldset#overall")).to_be_visible()
    cookie = next(c for c in visit.context.cookies() if c["name"] == KIOSK_COOKIE)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/k/"
    # Browsers keep a cookie 400 days at most; each kiosk page view renews it.
    assert cookie["expires"] > time.time() + 390 * DAY, "the device cookie should last as long as browsers allow"
    assert page.evaluate("() => document.cookie").find(KIOSK_COOKIE) == -1, "JavaScript can read the device cookie"
    visit.context.add_cookies([{**cookie, "expires": time.time() + DAY}])
    page.reload()
    expect(page.locator("#kiosk-form fieldset#overall")).to_be_visible()
    renewed = next(c for c in visit.context.cookies() if c["name"] == KIOSK_COOKIE)
    assert renewed["expires"] > time.time() + 390 * DAY, "a kiosk page view did not renew the device cookie"
    assert renewed["value"] == cookie["value"] and renewed["httpOnly"] and renewed["sameSite"] == "Strict"

    # Enrolled at Q03, it is not a kiosk of another counter.
    answer = page.goto(live_server("/k/KH-TTHCC-Q01"))
    assert answer is not None and answer.status == 403
    expect(page.locator("main")).to_contain_text(COUNTER)

    # The link works once: a second tablet opening it is refused, kindly.
    other = open_page(**TABLET)
    answer = other.page.goto(link)
    assert answer is not None and answer.status == 403
    expect(other.page.get_by_role("heading", level=1)).to_have_text(NOT_ENROLLED)
    assert not [c for c in other.context.cookies() if c["name"] == KIOSK_COOKIE]
    assert_clean(visit)


# --- one citizen after another ---------------------------------------------------------------------


def test_face_tap_send_thanks_then_a_blank_form_for_the_next_citizen(  # noqa: PLR0915
    open_page, live_server, live_db, screenshot, check_axe
) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server)
    page = kiosk.page
    expect(page.locator(".kbar .kunit")).to_have_text("Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa")
    expect(page.locator(".kbar .kcounter")).to_contain_text("Quầy 03 – Xây dựng")
    expect(page.locator(".kbar .kduty")).to_have_count(0)

    # The start screen: only the big faces; the optional questions and Send wait for a face.
    expect(face(page, 5)).to_be_visible()
    expect(page.locator("#kiosk-form fieldset#attitude")).to_be_hidden()
    expect(page.locator("#kiosk-form textarea#comment")).to_be_hidden()
    expect(send_button(page)).to_be_hidden()
    box = face(page, 5).bounding_box()
    assert box is not None and box["height"] >= 120 and box["width"] >= 120, f"the faces are small: {box}"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the kiosk scrolls sideways by {overflow} px"
    screenshot(page, "kiosk-start", full_page=False)
    check_axe(page, "the kiosk start screen")

    first_id = submission_id(page)
    face(page, 5).tap()
    expect(page.locator("#kiosk-form fieldset#attitude")).to_be_visible()
    expect(page.locator("#kiosk-form textarea#comment")).to_be_visible()
    expect(send_button(page)).to_be_visible()
    # Send is on the screen without scrolling, below the questions that appeared.
    expect(send_button(page)).to_be_in_viewport()
    screenshot(page, "kiosk-answered", full_page=False)
    face(page, 4, "attitude").tap()
    page.locator("#kiosk-form textarea#comment").fill("Quầy sạch sẽ, cán bộ nhiệt tình.")
    send_button(page).tap()
    sent_at = time.monotonic()

    thanks = page.locator("#kiosk-thanks")
    expect(thanks).to_be_visible()
    expect(thanks).to_contain_text(THANKS)
    screenshot(page, "kiosk-thanks", full_page=False)
    check_axe(page, "the kiosk thanks screen")

    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert [(r.submission_id, r.channel, r.staff_attribution) for r in rows] == [(first_id, "kiosk", "none")]
    assert rows[0].comment == "Quầy sạch sẽ, cán bộ nhiệt tình."
    assert overall_level(live_db, rows[0].id) == 5

    # After the reset time the next citizen finds the start screen, with a new submission id.
    expect(thanks).to_be_hidden()
    waited = time.monotonic() - sent_at
    # The thanks screen lasts the reset time, and at least the minimum interval between kiosk answers.
    reset = max(
        live_server.setting("FEEDBACK_KIOSK_RESET_SECONDS"), live_server.setting("FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS")
    )
    assert waited >= reset - 0.5, f"the thanks screen went away after {waited:.1f} s, before {reset} s"
    assert_blank(page)
    expect(send_button(page)).to_be_hidden()
    expect(page.locator("#kiosk-form fieldset#attitude")).to_be_hidden()
    second_id = submission_id(page)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", second_id)
    assert second_id != first_id
    expect(page.locator("#kiosk-queue")).to_have_text("")
    assert page.url == live_server(f"/k/{COUNTER}")

    # Stored once, however long we look.
    page.wait_for_timeout(500)
    assert len(device_responses(live_db, kiosk.device_id)) == 1

    # The second citizen, as soon as the kiosk lets them: stored too, and never flagged for the interval,
    # because the thanks screen outlasts the minimum interval (only a replayed or scripted flood is flagged).
    face(page, 3).tap()
    send_button(page).tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    rows = wait_for_rows(live_db, kiosk.device_id, 2)
    assert [r.submission_id for r in rows] == [first_id, second_id]
    assert "kiosk_interval" not in flag_codes(live_db, rows[0].id)
    assert "kiosk_interval" not in flag_codes(live_db, rows[1].id)
    assert_clean(kiosk.visit)


def test_an_answer_left_alone_is_sent_by_itself_and_the_kiosk_resets(open_page, live_server, live_db) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server)
    page = kiosk.page
    face(page, 2).tap()
    tapped_at = time.monotonic()
    expect(send_button(page)).to_be_visible()

    # The citizen walks away: nothing is stored until the idle time has passed, then it is sent.
    idle = live_server.setting("FEEDBACK_KIOSK_IDLE_SECONDS")
    page.wait_for_timeout((idle - 1.5) * 1000)
    assert device_responses(live_db, kiosk.device_id) == []
    expect(page.locator("#kiosk-thanks")).to_be_visible(timeout=(idle + 10) * 1000)
    waited = time.monotonic() - tapped_at
    assert waited >= idle - 0.5, f"sent after {waited:.1f} s, before the idle time of {idle} s"
    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert len(rows) == 1 and overall_level(live_db, rows[0].id) == 2

    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    assert_blank(page)
    expect(send_button(page)).to_be_hidden()
    assert_clean(kiosk.visit)


def test_back_button_does_not_bring_back_the_previous_citizens_answers(open_page, live_server, live_db) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server)
    page = kiosk.page
    # Some history first: the staff page, then back to the kiosk by its link.
    page.goto(live_server(f"/k/{COUNTER}/staff"))
    page.get_by_role("link", name="Quay lại màn hình đánh giá").click()
    page.wait_for_url(live_server(f"/k/{COUNTER}"))

    face(page, 1).tap()
    page.locator("#kiosk-form textarea#comment").fill("Chờ quá lâu.")
    send_button(page).tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    length = page.evaluate("() => history.length")

    # Sending added no history entry to step back into.
    page.go_back()
    page.wait_for_url(live_server(f"/k/{COUNTER}/staff"))
    page.go_forward()
    page.wait_for_url(live_server(f"/k/{COUNTER}"))
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    assert_blank(page)
    assert page.evaluate("() => history.length") == length
    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert len(rows) == 1 and rows[0].comment == "Chờ quá lâu."


def test_the_kiosk_works_without_javascript(open_page, live_server, live_db, screenshot) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server, java_script_enabled=False)
    page = kiosk.page
    # Without JavaScript every question shows at once, and the page starts afresh after some idle minutes.
    expect(page.locator("#kiosk-form fieldset#attitude")).to_be_visible()
    expect(send_button(page)).to_be_visible()
    refresh = page.locator("noscript").first.inner_html()
    assert re.search(rf'http-equiv="refresh" content="\d+;url=/k/{COUNTER}"', refresh), refresh

    # Send without a face: the error is shown, nothing is stored.
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        send_button(page).click()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng trả lời câu hỏi này.")
    assert device_responses(live_db, kiosk.device_id) == []

    face(page, 4).click()
    page.locator("#kiosk-form textarea#comment").fill("Không có JavaScript.")
    send_button(page).click()
    page.wait_for_url(live_server(f"/k/{COUNTER}/thanks"))
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    reset = max(
        live_server.setting("FEEDBACK_KIOSK_RESET_SECONDS"), live_server.setting("FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS")
    )
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_attribute("content", f"{reset};url=/k/{COUNTER}")
    screenshot(page, "kiosk-thanks-nojs", full_page=False)
    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert len(rows) == 1 and rows[0].comment == "Không có JavaScript." and overall_level(live_db, rows[0].id) == 4

    # Back from the thanks page: a blank form, not the previous citizen's answers.
    page.go_back()
    page.wait_for_url(live_server(f"/k/{COUNTER}"))
    assert_blank(page)

    # And the thanks page goes back to the start by itself.
    page.goto(live_server(f"/k/{COUNTER}/thanks"))
    page.wait_for_url(live_server(f"/k/{COUNTER}"), timeout=(reset + 10) * 1000)
    assert_blank(page)
    assert len(device_responses(live_db, kiosk.device_id)) == 1
    assert_clean(kiosk.visit)


# --- the offline queue -----------------------------------------------------------------------------


def test_answers_wait_offline_and_reach_the_server_once(open_page, live_server, live_db) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server)
    page = kiosk.page
    queue_status = page.locator("#kiosk-queue")
    thanks = page.locator("#kiosk-thanks")

    kiosk.context.set_offline(True)
    offline_since = datetime.now(UTC)
    ids = []
    for number, level in enumerate((4, 1), start=1):
        ids.append(submission_id(page))
        face(page, level).tap()
        send_button(page).tap()
        # The citizen is thanked all the same; the kiosk counts what waits.
        expect(thanks).to_be_visible()
        expect(queue_status).to_have_text(f"Đang chờ gửi: {number}")
        expect(thanks).to_be_hidden()
        assert_blank(page)
    assert ids[0] != ids[1]
    queued = page.evaluate(f"() => JSON.parse(localStorage.getItem('kiosk-queue:{COUNTER}'))")
    assert [item["submission_id"] for item in queued] == ids
    assert [item["answers"]["overall"] for item in queued] == ["4", "1"]
    page.wait_for_timeout(500)
    assert device_responses(live_db, kiosk.device_id) == [], "something was stored while the network was cut"

    kiosk.context.set_offline(False)
    back_online = datetime.now(UTC)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(queue_status).to_have_text("")
    assert page.evaluate(f"() => localStorage.getItem('kiosk-queue:{COUNTER}')") == "[]"
    rows = wait_for_rows(live_db, kiosk.device_id, 2)
    assert sorted(r.submission_id for r in rows) == sorted(ids)
    by_id = {r.submission_id: r for r in rows}
    assert [overall_level(live_db, by_id[i].id) for i in ids] == [4, 1]
    # Each keeps the time it was answered, not the time the network came back.
    for sid in ids:
        answered = live_db.scalar(select(Response.submitted_at).where(Response.submission_id == sid))
        assert offline_since.replace(microsecond=0) <= answered.replace(tzinfo=UTC) <= back_online
    # Sent together when the network came back, but answered at least the minimum interval apart: the
    # times they were answered count, so neither is flagged.
    assert "kiosk_interval" not in flag_codes(live_db, by_id[ids[1]].id)

    # A resend of the same answer (a reply lost on the way back) stores nothing new.
    replay = page.evaluate(
        """async (item) => {
            const r = await fetch(document.getElementById('kiosk').dataset.endpoint, {
                method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-Kiosk': '1'}, body: JSON.stringify(item)});
            return {status: r.status, body: await r.json()};
        }""",
        queued[0],
    )
    assert replay["status"] == 200 and replay["body"]["created"] is False, replay
    receipt = live_db.scalar(select(Response.receipt).where(Response.submission_id == ids[0]))
    assert replay["body"]["receipt"] == receipt
    assert len(device_responses(live_db, kiosk.device_id)) == 2
    assert live_db.scalar(select(func.count()).where(Response.submission_id.in_(ids))) == 2


def test_the_kiosk_json_endpoint_refuses_bad_requests(open_page, live_server, live_db) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server)
    post = """async ([headers, body]) => {
        const r = await fetch(document.getElementById('kiosk').dataset.endpoint,
                              {method: 'POST', credentials: 'same-origin', headers, body});
        return {status: r.status, body: await r.json()};
    }"""
    json_headers = {"Content-Type": "application/json", "X-Kiosk": "1"}
    answer = kiosk.page.evaluate(post, [{"Content-Type": "application/json"}, '{"answers": {"overall": 5}}'])
    assert answer["status"] == 400 and answer["body"]["error"]["code"] == "bad_request"
    answer = kiosk.page.evaluate(post, [json_headers, "[1, 2]"])
    assert answer["status"] == 400 and answer["body"]["error"]["code"] == "malformed_json"
    body = json.dumps({"submission_id": "11111111-2222-4333-8444-555555555555", "answers": {"attitude": 5}})
    answer = kiosk.page.evaluate(post, [json_headers, body])
    assert answer["status"] == 422 and answer["body"]["error"]["code"] == "invalid_answers"
    body = json.dumps({"submission_id": "11111111-2222-4333-8444-555555555555", "answers": {"overall": 9}})
    answer = kiosk.page.evaluate(post, [json_headers, body])
    assert answer["status"] == 422
    assert device_responses(live_db, kiosk.device_id) == []


# --- staff on duty ---------------------------------------------------------------------------------


@pytest.fixture
def staff_counter(live_server) -> str:  # noqa: ANN001
    """The counter the staff tests sign in at; nobody is left on duty there afterwards."""
    yield STAFF_COUNTER
    live_server.flask("kiosk", "on-duty", STAFF_COUNTER, "--nobody")


def test_staff_sign_in_with_code_and_pin_attributes_the_shift(  # noqa: PLR0915
    open_page, live_server, live_db, screenshot, check_axe, staff_counter
) -> None:  # noqa: ANN001
    live_server.flask("staff", "set-pin", "CB0001", stdin=PIN + "\n")
    kiosk = enrol(open_page, live_server, staff_counter)
    page = kiosk.page
    expect(page.locator(".kbar .kduty")).to_have_count(0)

    page.get_by_role("link", name="Cán bộ đăng nhập").click()
    page.wait_for_url(live_server(f"/k/{staff_counter}/staff"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cán bộ đăng nhập tại quầy")
    expect(page.locator("main")).to_contain_text("Quầy 01 – Tư pháp")
    for field in ("Mã cán bộ", "Mã PIN"):
        box = page.get_by_label(field).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300, f"{field}: {box}"
    screenshot(page, "kiosk-staff", full_page=False)
    check_axe(page, "the kiosk staff sign-in page")

    # A wrong PIN: a clear error, the code kept, the PIN not.
    page.get_by_label("Mã cán bộ").fill("CB0001")
    page.get_by_label("Mã PIN").fill("99999999")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Bắt đầu ca").tap()
    assert posted.value.status == 422
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Mã cán bộ hoặc mã PIN không đúng.")
    expect(page.get_by_label("Mã cán bộ")).to_have_value("CB0001")
    expect(page.get_by_label("Mã PIN")).to_have_value("")
    screenshot(page, "kiosk-staff-error", full_page=False)
    check_axe(page, "the kiosk staff sign-in error")

    # The right PIN: back at the kiosk, which names who is on duty.
    page.get_by_label("Mã PIN").fill(PIN)
    page.get_by_role("button", name="Bắt đầu ca").tap()
    page.wait_for_url(live_server(f"/k/{staff_counter}"))
    expect(page.locator(".kbar .kduty")).to_have_text(f"Cán bộ: {STAFF['CB0001']}")
    screenshot(page, "kiosk-start-staff", full_page=False)

    face(page, 5).tap()
    send_button(page).tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert len(rows) == 1 and rows[0].staff_attribution == "signed_in"
    assert staff_of(live_db, rows[0].id) == "CB0001"

    # End of the shift: the next citizen's answer is nobody's.
    page.goto(live_server(f"/k/{staff_counter}/staff"))
    expect(page.locator(".kduty-now")).to_contain_text(STAFF["CB0001"])
    page.get_by_role("button", name="Kết thúc ca").tap()
    page.wait_for_url(live_server(f"/k/{staff_counter}"))
    expect(page.locator(".kbar .kduty")).to_have_count(0)
    face(page, 4).tap()
    send_button(page).tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    rows = wait_for_rows(live_db, kiosk.device_id, 2)
    assert [r.staff_attribution for r in rows] == ["signed_in", "none"]
    assert_clean(kiosk.visit)


def test_a_manager_puts_staff_on_duty(open_page, live_server, live_db, staff_counter) -> None:  # noqa: ANN001
    kiosk = enrol(open_page, live_server, staff_counter)
    page = kiosk.page
    live_server.flask("kiosk", "on-duty", staff_counter, "--staff", "CB0002")
    page.reload()
    expect(page.locator(".kbar .kduty")).to_have_text(f"Cán bộ: {STAFF['CB0002']}")
    face(page, 3).tap()
    send_button(page).tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    rows = wait_for_rows(live_db, kiosk.device_id, 1)
    assert len(rows) == 1 and rows[0].staff_attribution == "signed_in"
    assert staff_of(live_db, rows[0].id) == "CB0002"

    live_server.flask("kiosk", "on-duty", staff_counter, "--nobody")
    page.reload()
    expect(page.locator(".kbar .kduty")).to_have_count(0)
