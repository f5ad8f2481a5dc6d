"""The citizen's counter survey in a real browser: SPEC §5 (citizen URLs) and §6 (qualities).

On a phone (360 px, touch) and a desktop, with JavaScript on and off, in Vietnamese and English:
the minimal path is at most three taps, errors keep the citizen's answers, the page weighs under
30 KB, nothing but our own host is contacted, axe-core finds nothing serious, targets are ≥ 44 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

MOBILE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
DEVICES = {"mobile": MOBILE, "desktop": DESKTOP}

OFFICE = {
    "vi": "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
    "en": "Khánh Hòa Public Administration Service Centre",
}
COUNTER = {"vi": "Quầy 03 – Xây dựng", "en": "Counter 03 – Construction"}
OVERALL = {
    "vi": "Nhìn chung, Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?",
    "en": "Overall, how satisfied are you with how your request was handled today?",
}
SCALE5 = {
    "vi": ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"],
    "en": ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"],
}
# Crockford base32, shown as XXXX-XXXX.
RECEIPT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
MAX_TAPS = 3
MAX_PAGE_BYTES = 30 * 1024
MIN_TARGET_PX = 44


class Taps:
    """Taps (touch) or clicks (mouse) like a person would, and counts them."""

    def __init__(self, touch: bool) -> None:
        self.touch = touch
        self.count = 0

    def __call__(self, target: Locator) -> None:
        self.count += 1
        if self.touch:
            target.tap()
        else:
            target.click()


def option(page: Page, question: str, level: int) -> Locator:
    """The visible label box of one answer (the radio input itself is visually hidden)."""
    return page.locator(f"fieldset#{question} label.opt").filter(has=page.locator(f"input[value='{level}']"))


def submit_button(page: Page) -> Locator:
    return page.locator("form#survey button[type=submit]")


def assert_only_own_host(visit, live_server) -> None:  # noqa: ANN001
    """Every request went to the live server (or was a data: URL), and the console stayed clean."""
    assert not visit.blocked, f"the page asked for other hosts: {visit.blocked}"
    assert not visit.errors, f"console errors or failed subresources: {visit.errors}"
    others = [u for u in visit.requests if not (u.startswith("data:") or u.startswith(live_server.url + "/"))]
    assert not others, f"requests outside {live_server.host}: {others}"
    assert visit.requests, "no request was recorded"


def survey_path(live_server, lang: str | None = None) -> str:  # noqa: ANN001
    return live_server(f"/q/{live_server.active_counter}" + (f"?lang={lang}" if lang else ""))


# --- the minimal path ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("device", ["mobile", "desktop"])
def test_minimal_path_answers_and_sends_in_three_taps(open_page, live_server, device, js, lang) -> None:  # noqa: ANN001
    visit = open_page(**DEVICES[device], java_script_enabled=js)
    page = visit.page
    taps = Taps(touch=device == "mobile")

    answer = page.goto(survey_path(live_server, "en" if lang == "en" else None))
    assert answer is not None and answer.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFICE[lang])
    expect(page.locator("main .counter")).to_have_text(COUNTER[lang])
    expect(page.locator("fieldset#overall legend")).to_contain_text(OVERALL[lang])

    very_satisfied = option(page, "overall", 5)
    expect(very_satisfied).to_have_text(SCALE5[lang][0])
    taps(very_satisfied)
    expect(page.locator("fieldset#overall input[value='5']")).to_be_checked()
    taps(submit_button(page))

    code = live_server.active_counter
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/q/{code}/thanks/[0-9A-Z]{{8}}$"))
    receipt = page.locator(".receipt strong").inner_text().strip()
    assert RECEIPT.match(receipt), f"receipt {receipt!r} is not XXXX-XXXX"
    assert page.url.endswith("/" + receipt.replace("-", "")), "the receipt shown is not the one in the URL"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert taps.count <= MAX_TAPS, f"minimal path took {taps.count} taps"
    print(f"{device}/{'js' if js else 'nojs'}/{lang}: minimal path in {taps.count} taps, receipt {receipt}")

    if lang == "en":
        # The cookie remembers English: the plain URL from the poster opens in English again.
        assert any(c["name"] == "lang" and c["value"] == "en" for c in visit.context.cookies())
        page.goto(survey_path(live_server))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("fieldset#overall legend")).to_contain_text(OVERALL["en"])
        expect(page.locator("main .counter")).to_have_text(COUNTER["en"])

    assert_only_own_host(visit, live_server)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_scale_words_are_in_the_page_language(open_page, live_server, lang) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    page.goto(survey_path(live_server, lang))
    words = [t.strip() for t in page.locator("fieldset#overall label.opt").all_inner_texts()]
    assert words == SCALE5[lang]


# --- the error path --------------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_missing_overall_shows_error_summary_and_keeps_answers(
    open_page, live_server, screenshot, check_axe, js
) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE, java_script_enabled=js)
    page = visit.page
    taps = Taps(touch=True)
    comment = "Cán bộ hướng dẫn tận tình, nhưng chờ hơi lâu."
    page.goto(survey_path(live_server))

    taps(option(page, "attitude", 4))
    page.locator("textarea#comment").fill(comment)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        taps(submit_button(page))
    assert posted.value.status == 422
    page.wait_for_load_state()

    assert page.url == survey_path(live_server)
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    link = alert.get_by_role("link", name="Vui lòng trả lời câu hỏi này.")
    expect(link).to_have_attribute("href", "#overall")
    expect(page).to_have_title(re.compile(r"^Lỗi: "))
    expect(page.locator("fieldset#overall")).to_have_attribute("aria-describedby", "overall-err")
    expect(page.locator("#overall-err")).to_be_visible()
    expect(page.locator("fieldset#attitude input[value='4']")).to_be_checked()
    expect(page.locator("fieldset#overall input:checked")).to_have_count(0)
    expect(page.locator("textarea#comment")).to_have_value(comment)

    if js:
        # autofocus on the summary: a screen reader announces it and the next Tab reaches the link.
        # (autofocus is applied at the next rendering update, after load: let expect() wait for it)
        expect(alert).to_be_focused()
        screenshot(page, "error-mobile")
        check_axe(page, "the error state (vi, mobile)")

    link.click()
    assert page.url.endswith("#overall")

    # Fixing the one error sends everything, the comment included, in two more taps.
    taps(option(page, "overall", 2))
    taps(submit_button(page))
    page.wait_for_url(re.compile(r"/thanks/[0-9A-Z]{8}$"))
    assert_only_own_host(visit, live_server)


# --- weight, hosts, accessibility, touch targets ---------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_survey_page_weighs_under_30_kb(open_page, live_server, lang) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    cdp = visit.context.new_cdp_session(page)
    started: dict[str, str] = {}
    finished: dict[str, float] = {}
    cdp.on("Network.requestWillBeSent", lambda e: started.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", lambda e: finished.__setitem__(e["requestId"], 0))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    page.goto(survey_path(live_server, lang), wait_until="load")
    for _ in range(50):
        if set(started) <= set(finished):
            break
        page.wait_for_timeout(50)
    network = {rid: url for rid, url in started.items() if not url.startswith("data:")}
    assert set(network) <= set(finished), "some requests never finished"
    total = sum(finished[rid] for rid in network)
    detail = ", ".join(f"{url.removeprefix(live_server.url)} {finished[rid]:.0f} B" for rid, url in network.items())
    print(f"survey page ({lang}): {total:.0f} B ({total / 1024:.1f} KiB) in {len(network)} requests: {detail}")
    assert total < MAX_PAGE_BYTES, f"{total:.0f} bytes transferred: {detail}"
    assert_only_own_host(visit, live_server)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("device", ["mobile", "desktop"])
def test_survey_page_is_accessible(open_page, live_server, screenshot, check_axe, device, lang) -> None:  # noqa: ANN001
    visit = open_page(**DEVICES[device])
    page = visit.page
    page.goto(survey_path(live_server, lang))
    if device == "mobile":
        screenshot(page, f"survey-{lang}-mobile")
    elif lang == "vi":
        screenshot(page, "survey-desktop")
    check_axe(page, f"the survey page ({lang}, {device})")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"


def test_thanks_page_is_accessible(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    page.goto(survey_path(live_server))
    option(page, "overall", 4).tap()
    submit_button(page).tap()
    page.wait_for_url(re.compile(r"/thanks/[0-9A-Z]{8}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảm ơn Ông/Bà đã đánh giá!")
    screenshot(page, "thanks-mobile")
    check_axe(page, "the thank-you page")
    assert_only_own_host(visit, live_server)


def test_unknown_counter_page(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    answer = page.goto(live_server("/q/NOPE"))
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy quầy")
    expect(page.locator("main")).to_contain_text("NOPE")
    screenshot(page, "unknown-counter")
    check_axe(page, "the unknown-counter page")
    assert_only_own_host(visit, live_server)


def test_inactive_counter_page(open_page, live_server, screenshot, check_axe) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    answer = page.goto(live_server(f"/q/{live_server.inactive_counter}"))
    assert answer is not None and answer.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Quầy tạm ngừng nhận đánh giá")
    expect(page.locator("main")).to_contain_text("Quầy 99")
    expect(page.locator("form")).to_have_count(0)
    screenshot(page, "inactive-counter")
    check_axe(page, "the inactive-counter page")
    assert_only_own_host(visit, live_server)


def test_touch_targets_are_at_least_44px_on_a_phone(open_page, live_server) -> None:  # noqa: ANN001
    visit = open_page(**MOBILE)
    page = visit.page
    page.goto(survey_path(live_server))
    page.locator("details.contact summary").tap()
    targets = {
        "radio option": page.locator("form#survey label.opt"),
        "submit button": submit_button(page),
        "language link": page.locator("header nav a"),
        "contact disclosure": page.locator("details.contact summary"),
        "consent box": page.locator("label.consent"),
    }
    small = []
    measured = 0
    for kind, locator in targets.items():
        for element in locator.all():
            box = element.bounding_box()
            assert box is not None, f"{kind} is not rendered"
            measured += 1
            if box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX:
                small.append(f"{kind} {element.inner_text()!r}: {box['width']:.0f}×{box['height']:.0f}")
    assert page.locator("form#survey label.opt").count() == 25
    assert not small, f"targets under {MIN_TARGET_PX}×{MIN_TARGET_PX} px at 360 px wide:\n" + "\n".join(small)
    print(f"{measured} touch targets measured, all ≥ {MIN_TARGET_PX} px")


def test_axe_check_does_find_violations(open_page, live_server, check_axe) -> None:  # noqa: ANN001
    """The harness itself: an unlabelled field and an image without alt text must be reported."""
    visit = open_page(**MOBILE)
    page = visit.page
    page.goto(live_server(f"/q/{live_server.active_counter}"))
    page.evaluate(
        """() => {
        const img = document.createElement('img'); img.src = 'data:,'; document.querySelector('h1').before(img);
        const input = document.createElement('input'); input.type = 'text'; document.querySelector('h1').after(input);
    }"""
    )
    with pytest.raises(AssertionError) as failed:
        check_axe(page, "a page broken on purpose")
    assert "image-alt" in str(failed.value) and "label" in str(failed.value)
