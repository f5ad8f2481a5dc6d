"""The citizen's path through the counter QR code: GET the survey, POST answers, see the receipt."""

from __future__ import annotations

import re
import unicodedata
import uuid

import png
import pytest
import qrcode
from sqlalchemy import func, select, update

from feedback.models import Answer, Counter, Response, ResponseContact
from feedback.services.templates import assign_template
from tests.html import page, survey_form

SPEC_OVERALL_VI = "Nhìn chung, Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?"
SPEC_OVERALL_EN = "Overall, how satisfied are you with how your request was handled today?"


@pytest.fixture()
def counter(factories):
    unit = factories.unit(
        code="KH-TTHCC",
        name_vi="Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
        name_en="Khánh Hòa Public Administration Service Centre",
    )
    return factories.counter(
        code="KH-TTHCC-Q03", unit=unit, label_vi="Quầy 03 – Xây dựng", label_en="Counter 03 – Construction"
    )


def count(session, model=Response) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_survey_shows_office_counter_and_default_questions(client, counter):
    response = client.get("/q/KH-TTHCC-Q03")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa" in body
    assert "Quầy 03 – Xây dựng" in body
    assert SPEC_OVERALL_VI in body
    p = page(response)
    for code in ("overall", "attitude", "timeliness", "ease", "transparency"):
        assert p.options(code) == ["5", "4", "3", "2", "1"]
    assert p.textarea("comment") == ""
    assert all(
        label in body for label in ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng")
    )
    assert re.fullmatch(r"[0-9a-f-]{36}", p.value("submission_id"))
    assert p.value("csrf_token")
    assert response.headers["Cache-Control"] == "no-store"


def test_minimal_path_stores_one_response_and_shows_receipt(client, session, counter, factories):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"})
    assert response.status_code == 303
    match = re.fullmatch(r"/q/KH-TTHCC-Q03/thanks/([0-9A-Z]{8})", response.headers["Location"])
    assert match
    stored = session.scalar(select(Response))
    assert count(session) == 1
    assert (stored.unit_id, stored.counter_id, stored.channel, stored.language) == (
        counter.unit_id,
        counter.id,
        "counter",
        "vi",
    )
    assert stored.version_id == factories.latest_version().id
    assert stored.receipt == match.group(1) and stored.status == "valid" and stored.service_id is None
    assert [(a.value_int, a.value_text) for a in stored.answers] == [(5, None)]
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert f"{stored.receipt[:4]}-{stored.receipt[4:]}" in thanks.get_data(as_text=True)


def test_full_answers_with_service_comment_and_contact(client, session, counter, factories):
    service = factories.service(code="1.009972")
    form = survey_form(client, "/q/KH-TTHCC-Q03?service=1.009972")
    assert form["service"] == "1.009972"
    decomposed = unicodedata.normalize("NFD", "  Cán bộ thái độ rất tốt  ")
    response = client.post(
        "/q/KH-TTHCC-Q03",
        data={
            **form,
            "overall": "4",
            "attitude": "5",
            "timeliness": "2",
            "ease": "3",
            "transparency": "1",
            "comment": decomposed,
            "contact": "0905123456",
            "contact_consent": "y",
        },
    )
    assert response.status_code == 303
    stored = session.scalar(select(Response))
    assert stored.service_id == service.id
    assert stored.comment == "Cán bộ thái độ rất tốt"
    assert unicodedata.is_normalized("NFC", stored.comment)
    assert sorted(a.value_int for a in stored.answers) == [1, 2, 3, 4, 5]
    assert stored.contact.contact == "0905123456"
    assert "liên hệ lại" in stored.contact.consent_text


def test_unknown_service_code_is_ignored_not_an_error(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03?service=NOPE")
    assert client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "3"}).status_code == 303
    assert session.scalar(select(Response.service_id)) is None


def test_double_submit_stores_one_response(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    first = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "2"})
    second = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "2"})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(session) == 1


def test_missing_required_answer_keeps_every_other_answer(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "attitude": "4", "comment": "Chờ hơi lâu"})
    assert response.status_code == 422
    p = page(response)
    assert p.has_error_summary
    assert "#overall" in p.links
    assert "Vui lòng trả lời câu hỏi này." in p.html
    assert p.checked("attitude") == "4"
    assert p.textarea("comment") == "Chờ hơi lâu"
    assert p.value("submission_id") == form["submission_id"]
    assert count(session) == 0


@pytest.mark.parametrize("value", ["6", "0", "-1", "abc", "4.5", "99999999999", "5 OR 1=1"])
def test_out_of_range_or_non_numeric_rating_is_refused(client, session, counter, value):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": value})
    assert response.status_code == 422
    assert "Vui lòng chọn một trong các mức có sẵn." in response.get_data(as_text=True)
    assert count(session) == 0


def test_comment_over_2000_characters_is_refused_and_kept(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5", "comment": "a" * 100_000})
    assert response.status_code == 422
    assert "Tối đa 2000 ký tự." in response.get_data(as_text=True)
    assert count(session) == 0
    at_limit = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5", "comment": "ă" * 2000})
    assert at_limit.status_code == 303


def test_oversized_body_gets_friendly_413(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5", "comment": "a" * 400_000})
    assert response.status_code == 413
    assert "Nội dung gửi quá lớn" in response.get_data(as_text=True)
    assert count(session) == 0


def test_missing_or_wrong_csrf_token_is_refused(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    no_token = client.post("/q/KH-TTHCC-Q03", data={"submission_id": form["submission_id"], "overall": "5"})
    assert no_token.status_code == 400
    assert "Phiên làm việc đã hết hạn" in no_token.get_data(as_text=True)
    forged = client.post("/q/KH-TTHCC-Q03", data={**form, "csrf_token": "forged", "overall": "5"})
    assert forged.status_code == 400
    assert count(session) == 0


def test_first_visit_gets_a_device_cookie_and_no_session(client, counter):
    response = client.get("/q/KH-TTHCC-Q03")
    names = {value.split("=", 1)[0] for value in response.headers.getlist("Set-Cookie")}
    assert names == {"fbd"}, response.headers.getlist("Set-Cookie")


def test_csrf_token_is_bound_to_this_browsers_device_cookie(app, client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    other = app.test_client()
    stolen = other.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"})  # the token, without the cookie
    assert stolen.status_code == 400
    other.get("/q/KH-TTHCC-Q03")  # a device cookie of its own does not match the token either
    assert other.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"}).status_code == 400
    assert count(session) == 0
    assert client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"}).status_code == 303
    assert count(session) == 1


def test_refused_token_keeps_the_answers_and_offers_a_fresh_token(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post(
        "/q/KH-TTHCC-Q03", data={**form, "csrf_token": "1.forged", "overall": "2", "comment": "Chờ quá lâu"}
    )
    assert response.status_code == 400
    again = page(response)
    assert again.checked("overall") == "2"
    assert again.textarea("comment") == "Chờ quá lâu"
    assert again.has_error_summary
    fresh = again.value("csrf_token")
    assert fresh and fresh != "1.forged"
    retried = client.post("/q/KH-TTHCC-Q03", data={**form, "csrf_token": fresh, "overall": "2"})
    assert retried.status_code == 303 and count(session) == 1


def test_expired_or_future_csrf_tokens_are_refused(app):
    from feedback.web.citizen_csrf import check_token, make_token

    device = "d" * 22
    with app.test_request_context():
        limit = app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
        now = 2_000_000_000
        assert check_token(make_token(device, now - limit + 1), device, now=now)
        assert not check_token(make_token(device, now - limit - 1), device, now=now)
        assert not check_token(make_token(device, now + 3600), device, now=now)
        assert not check_token(make_token(device, now), "e" * 22, now=now)
        assert not check_token(make_token(device, now), None, now=now)
        assert not check_token("x" * 100, device, now=now)


@pytest.mark.parametrize("submission_id", ["", "x", "not-a-uuid-at-all-but-36-characters!", str(uuid.uuid1())])
def test_bad_submission_id_is_refused(client, session, counter, submission_id):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "submission_id": submission_id, "overall": "5"})
    assert response.status_code == 422
    assert count(session) == 0


def test_contact_needs_consent_and_consent_needs_contact(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    no_consent = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "1", "contact": "a@b.vn"})
    assert no_consent.status_code == 422
    assert "Vui lòng đánh dấu đồng ý" in no_consent.get_data(as_text=True)
    no_contact = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "1", "contact_consent": "y"})
    assert no_contact.status_code == 422
    assert count(session) == 0 and count(session, ResponseContact) == 0


def test_honeypot_field_blocks_bots(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5", "website": "http://spam"})
    assert response.status_code == 422
    assert count(session) == 0


def test_english_is_chosen_by_query_and_remembered_in_a_cookie(client, counter):
    first = client.get("/q/KH-TTHCC-Q03?lang=en")
    assert SPEC_OVERALL_EN in first.get_data(as_text=True)
    assert "Very satisfied" in first.get_data(as_text=True)
    assert 'lang="en"' in first.get_data(as_text=True)
    assert any(c.startswith("lang=en;") for c in first.headers.getlist("Set-Cookie"))
    again = client.get("/q/KH-TTHCC-Q03")
    assert SPEC_OVERALL_EN in again.get_data(as_text=True)
    assert "Counter 03 – Construction" in again.get_data(as_text=True)
    back = client.get("/q/KH-TTHCC-Q03?lang=vi")
    assert SPEC_OVERALL_VI in back.get_data(as_text=True)


def test_unknown_language_falls_back_to_vietnamese(client, counter):
    body = client.get("/q/KH-TTHCC-Q03?lang=fr").get_data(as_text=True)
    assert SPEC_OVERALL_VI in body and 'lang="vi"' in body


def test_english_error_messages(client, session, counter):
    client.get("/q/KH-TTHCC-Q03?lang=en")
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    body = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "9"}).get_data(as_text=True)
    assert "Please choose one of the levels given." in body


def test_stored_language_is_the_citizens(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03?lang=en")
    client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "4"})
    assert session.scalar(select(Response.language)) == "en"


def test_unknown_counter_gets_friendly_404_in_both_languages(client):
    vi = client.get("/q/NO-SUCH")
    assert vi.status_code == 404 and "Không tìm thấy quầy" in vi.get_data(as_text=True)
    en = client.get("/q/NO-SUCH?lang=en")
    assert en.status_code == 404 and "Counter not found" in en.get_data(as_text=True)


def test_inactive_counter_or_unit_gets_friendly_page(client, session, factories):
    factories.counter(code="OLD-Q1", active=False)
    closed_unit = factories.unit(active=False)
    factories.counter(code="CLOSED-Q1", unit=closed_unit)
    for code in ("OLD-Q1", "CLOSED-Q1"):
        response = client.get(f"/q/{code}")
        assert response.status_code == 410
        assert "Quầy tạm ngừng nhận đánh giá" in response.get_data(as_text=True)


def test_counter_deactivated_after_the_form_was_shown(client, session, counter):
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    session.execute(update(Counter).where(Counter.id == counter.id).values(active=False))
    session.commit()
    response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"})
    assert response.status_code == 410
    assert count(session) == 0


def test_thanks_page_for_unknown_receipt_is_404(client, counter):
    assert client.get("/q/KH-TTHCC-Q03/thanks/ZZZZZZZZ").status_code == 404


def test_nearest_assigned_template_wins(client, session, factories):
    province = factories.unit(code="P")
    ward = factories.unit(code="P-W", parent=province)
    factories.counter(code="P-W-Q1", unit=ward)
    assign_template(session, "vn-official-3", "P")
    assert page(client.get("/q/P-W-Q1")).options("overall") == ["3", "2", "1"]
    assign_template(session, "default", "P-W")
    assert page(client.get("/q/P-W-Q1")).options("overall") == ["5", "4", "3", "2", "1"]


def test_three_level_template_stores_its_version_and_level(client, session, factories):
    unit = factories.unit(code="P3")
    factories.counter(code="P3-Q1", unit=unit)
    assign_template(session, "vn-official-3", "P3")
    form = survey_form(client, "/q/P3-Q1")
    assert client.post("/q/P3-Q1", data={**form, "overall": "5"}).status_code == 422
    assert client.post("/q/P3-Q1", data={**form, "overall": "3", "attitude": "2"}).status_code == 303
    stored = session.scalar(select(Response))
    assert stored.version_id == factories.latest_version("vn-official-3").id
    assert sorted(session.scalars(select(Answer.value_int))) == [2, 3]


def test_counter_qr_encodes_public_url(client, counter, app):
    url = app.config["FEEDBACK_PUBLIC_URL"] + "/q/KH-TTHCC-Q03"
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    expected.add_data(url)
    expected.make(fit=True)
    matrix = expected.get_matrix()
    response = client.get("/q/KH-TTHCC-Q03/qr.png?scale=2")
    assert response.status_code == 200 and response.mimetype == "image/png"
    width, height, rows, _info = png.Reader(bytes=response.data).asRGB8()
    pixels = [list(row) for row in rows]
    assert width == height == len(matrix) * 2
    decoded = [[pixels[y * 2][x * 2 * 3] < 128 for x in range(len(matrix))] for y in range(len(matrix))]
    assert decoded == matrix
    svg = client.get("/q/KH-TTHCC-Q03/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"<path" in svg.data


def test_qr_of_unknown_counter_is_404_and_bad_scale_is_harmless(client, counter):
    assert client.get("/q/NOPE/qr.svg").status_code == 404
    assert client.get("/q/KH-TTHCC-Q03/qr.gif").status_code == 404
    for scale in ("0", "-3", "abc", "100000"):
        assert client.get(f"/q/KH-TTHCC-Q03/qr.png?scale={scale}").status_code == 200


def test_only_get_and_post_are_allowed(client, counter):
    assert client.put("/q/KH-TTHCC-Q03").status_code == 405


def test_security_headers_and_cacheable_versioned_css(client, counter):
    response = client.get("/q/KH-TTHCC-Q03")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    match = re.search(r'href="(/static/citizen\.css\?v=[0-9a-f]{10})"', response.get_data(as_text=True))
    assert match
    css = client.get(match.group(1))
    assert css.status_code == 200 and "max-age=31536000" in css.headers["Cache-Control"]


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_nul_characters_are_refused_not_crashed_on(client, session, counter):
    assert client.get("/q/a%00b").status_code == 400
    assert client.get("/q/KH-TTHCC-Q03/qr.svg?scale=1%00").status_code == 400
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    for field in ("comment", "contact", "service"):
        response = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5", field: "a\x00b"})
        assert response.status_code == 400, field
    assert count(session) == 0
