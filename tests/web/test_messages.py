"""A service's refusal reaches a workspace page in the reader's language, never as the service's English text
(the API and the CLI keep the English message)."""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from feedback.models import FollowUpCase
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.integrity import IntegrityRules
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from feedback.web.messages import MESSAGES, ROW_MESSAGES, case_reason, error_message, row_error_message
from tests.html import page

SERVICES = Path(__file__).resolve().parents[2] / "feedback" / "services"
PASSWORD = "Mat-khau-du-dai-2026"


def _raise_sites() -> list[tuple[str, str, set[str]]]:
    """(file:line, code, parameter names) of every service error and import-file problem raised with a code."""
    sites = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None)
            where = f"{path.name}:{node.lineno}"
            if name == "RowError" and len(node.args) >= 5:
                code = node.args[4]
                params = set()
                if len(node.args) == 6 and isinstance(node.args[5], ast.Dict):
                    params = {k.value for k in node.args[5].keys}
                if isinstance(code, ast.JoinedStr):  # f"value.{column}": the columns checked by a parser
                    for column in ("internal_networks", "opening_hours"):
                        sites.append((where, f"value.{column}", params))
                else:
                    sites.append((where, code.value, params))
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant) and name != "RowError":
                    params = {k.arg for k in node.keywords if k.arg != "code"}
                    sites.append((where, keyword.value.value, params))
    return sites


def test_every_coded_error_has_a_message_in_both_languages(app):
    sites = _raise_sites()
    assert len(sites) > 50, "the scan finds the services' coded errors"
    with app.test_request_context():
        for where, code, params in sites:
            table = ROW_MESSAGES if code.split(".")[0] in ("csv", "value", "ref", "scope") else MESSAGES
            assert code in table, f"{where}: no page message for {code!r}"
            for language in ("vi", "en"):
                with force_locale(language):
                    text = str(table[code]) % dict.fromkeys(params, 7)
                assert "%(" not in text, (where, code, language)


def test_a_page_never_shows_the_services_english(app):
    with app.test_request_context():
        coded = InvalidInput("a note is 1 to 4000 characters", code="case.note", max=4000)
        assert str(coded) == "a note is 1 to 4000 characters"  # what the API and the CLI say
        assert error_message(coded) == "Ghi chú cần từ 1 đến 4000 ký tự."
        with force_locale("en"):
            assert error_message(coded) == "A note is 1 to 4000 characters."
        # Without a code (or with a missing parameter): a general sentence, still not the English text.
        assert error_message(NotFound("no thing 'x'")) == "Không tìm thấy dữ liệu được yêu cầu."
        assert error_message(InvalidInput("bad", code="case.note")) == "Dữ liệu không hợp lệ. Vui lòng kiểm tra lại."
        assert case_reason("overall rated 1 of 5; marked as a complaint") == (
            "Đánh giá chung 1/5; Công dân đánh dấu góp ý là phản ánh"
        )
        from feedback.services.directory import RowError

        problem = RowError(
            "s.csv", 3, "code", "code S1 already appears on line 2", "value.repeated", {"code": "S1", "first": 2}
        )
        assert row_error_message(problem) == "Mã S1 đã có ở dòng 2."


@pytest.fixture()
def org(session, factories):
    province = factories.unit(code="P", name_vi="Tỉnh")
    ward = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    factories.counter(code="QA", unit=ward)
    create_user(session, "root@p.vn", "admin", "P", PASSWORD)
    create_user(session, "a@p.vn", "manager", "P-A", PASSWORD)
    return load_survey(session, factories.latest_version().id)


def sign_in(client, email):  # noqa: ANN001
    form = page(client.get("/login"))
    client.post("/login", data={"csrf_token": form.value("csrf_token"), "email": email, "password": PASSWORD})


def test_a_refused_password_is_explained_in_vietnamese_or_english(client, org):
    sign_in(client, "root@p.vn")
    for language, expected, english in (
        ("vi", "Mật khẩu lặp lại quá nhiều", "repeats too few"),
        ("en", "The password repeats itself too much", "repeats too few"),
    ):
        token = page(client.get(f"/manage/admin/users?lang={language}")).value("csrf_token")
        weak = "aaaaaaaaaaaaaaab"  # long enough for the form, too repetitive for the service
        data = {
            "csrf_token": token,
            "email": "moi@p.vn",
            "role": "viewer",
            "unit": "P-A",
            "password": weak,
            "password2": weak,
        }
        body = client.post("/manage/admin/users", data=data).get_data(as_text=True)
        assert expected in body and english not in body, language


def test_a_refused_case_note_and_the_case_reason_are_in_vietnamese(client, session, org):
    submit_response(
        session, "QA", org, Submission(str(uuid.uuid4()), {"overall": 1}), IntegrityRules(), now=datetime.now(UTC)
    )
    case_id = session.scalar(select(FollowUpCase.id))
    sign_in(client, "a@p.vn")
    url = f"/manage/cases/{case_id}"
    body = client.get(url).get_data(as_text=True)
    assert "Đánh giá chung 1/5" in body and "overall rated" not in body
    assert "Đánh giá chung 1/5" in client.get("/manage/cases").get_data(as_text=True)
    token = page(client.get(url)).value("csrf_token")
    body = client.post(url, data={"csrf_token": token, "action": "note", "text": "  "}, follow_redirects=True)
    text = body.get_data(as_text=True)
    assert "Ghi chú cần từ 1 đến 4000 ký tự." in text and "a note is" not in text
    body = client.post(url, data={"csrf_token": token, "action": "due", "due_on": "2000-01-01"}, follow_redirects=True)
    assert "Hạn xử lý không được trước ngày mở phản ánh." in body.get_data(as_text=True)
