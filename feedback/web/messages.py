"""What the workspace pages say when a use case refuses: the service's error in the reader's language.

Services raise errors with an English message (the API's JSON and the CLI show it as it is) and, for those
a page can meet, a ``code`` with the message's parameters. Pages never show the English text: a code
without a translation here falls back to a general sentence for its kind of error.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from feedback.services.cases import COMPLAINT_REASON
from feedback.services.directory import RowError
from feedback.services.errors import FeedbackError, Forbidden, NotFound

MESSAGES = {
    "response.unknown": _l("Không tìm thấy phiếu %(receipt)s."),
    "exclude.reason": _l("Cần nhập lý do (tối đa %(max)d ký tự) để loại một phiếu."),
    "response.already_excluded": _l("Phiếu %(receipt)s đã bị loại trước đó."),
    "response.not_excluded": _l("Phiếu %(receipt)s đang được tính, không cần khôi phục."),
    "case.unknown": _l("Không tìm thấy phản ánh #%(case_id)s."),
    "case.assignee": _l("Hãy chọn một người quản lý có phạm vi bao gồm đơn vị của phản ánh này."),
    "case.due_before_opened": _l("Hạn xử lý không được trước ngày mở phản ánh."),
    "case.note": _l("Ghi chú cần từ 1 đến %(max)d ký tự."),
    "case.close_state": _l("Phản ánh chỉ đóng được với kết quả “đã giải quyết” hoặc “không xử lý”."),
    "case.resolution": _l("Hãy ghi cách đã giải quyết phản ánh (hoặc lý do không xử lý), tối đa %(max)d ký tự."),
    "case.closed": _l("Phản ánh này đã được đóng."),
    "case.action": _l("Thao tác không được hỗ trợ."),
    "date.invalid": _l("Ngày không hợp lệ."),
    "action.title": _l("Cần tiêu đề từ 1 đến %(max)d ký tự."),
    "action.description": _l("Mô tả tối đa %(max)d ký tự."),
    "action.dimension": _l("Hãy chọn tiêu chí mà hành động cần cải thiện."),
    "action.counter": _l("Không có quầy %(counter)s trong đơn vị đã chọn."),
    "service.unknown": _l("Không có thủ tục mã %(service)s."),
    "unit.unknown": _l("Không có đơn vị mã %(unit)s."),
    "unit.out_of_scope": _l("Đơn vị %(unit)s không có hoặc không thuộc phạm vi của anh/chị."),
    "staff.unknown": _l("Không có cán bộ mã %(staff)s."),
    "password.length": _l("Mật khẩu cần từ %(min)d đến 256 ký tự."),
    "password.email": _l("Mật khẩu không được chứa phần tên của địa chỉ email."),
    "password.repetitive": _l("Mật khẩu lặp lại quá nhiều; hãy dùng nhiều ký tự khác nhau hơn."),
    "user.email": _l("“%(email)s” không phải là địa chỉ email."),
    "user.role": _l("Vai trò không hợp lệ."),
    "user.exists": _l("Đã có tài khoản với email %(email)s."),
    "user.staff_needed": _l("Tài khoản cán bộ cần mã cán bộ (để xem điểm của chính mình)."),
    "user.unknown": _l("Không có tài khoản %(email)s."),
    "apikey.name": _l("Tên khóa cần từ 1 đến %(max)d ký tự."),
    "apikey.scopes": _l("Chọn ít nhất một quyền trong danh sách."),
    "apikey.unknown": _l("Không có khóa API %(prefix)s."),
    "template.unknown": _l("Không có mẫu khảo sát %(template)s."),
    "rules.invalid": _l(
        "Quy tắc KPI không hợp lệ: ngưỡng các mức phải giảm dần, tên các mức phải khác nhau và khác "
        "“insufficient_data”, và ít nhất một tiêu chí có trọng số lớn hơn 0."
    ),
}


# Problems of a directory import file (feedback.services.directory.RowError codes).
ROW_MESSAGES = {
    "csv.encoding": _l("Tệp không phải văn bản UTF-8; hãy lưu lại dưới dạng “CSV UTF-8”."),
    "csv.binary": _l("Tệp chứa dữ liệu nhị phân, không phải văn bản CSV."),
    "csv.header": _l("Không đọc được dòng tiêu đề (tệp CSV sai định dạng)."),
    "csv.empty": _l("Tệp trống; cần dòng tiêu đề: %(columns)s"),
    "csv.unknown_column": _l("Cột không được hỗ trợ; các cột là %(columns)s (và có thể thêm active)."),
    "csv.missing_column": _l("Thiếu cột bắt buộc ở dòng tiêu đề."),
    "csv.duplicate_column": _l("Một cột xuất hiện hai lần ở dòng tiêu đề."),
    "csv.malformed": _l("Tệp CSV sai định dạng từ dòng này (ví dụ: dấu ngoặc kép không đóng)."),
    "csv.values": _l("Cần %(expected)d giá trị, có %(found)d."),
    "value.required": _l("Cần nhập giá trị."),
    "value.code": _l(
        "Mã không hợp lệ: dùng 1–40 chữ cái, chữ số, “.”, “-” hoặc “_” (không dấu cách), bắt đầu bằng chữ cái "
        "hoặc chữ số."
    ),
    "value.length": _l("Dài quá %(max)d ký tự."),
    "value.internal_networks": _l("Danh sách mạng không hợp lệ; ví dụ: 10.0.0.0/8 192.168.1.0/24"),
    "value.opening_hours": _l("Giờ làm việc không hợp lệ; ví dụ: mon-fri 07:00-11:30 13:30-17:00; sat 07:30-11:30"),
    "value.email": _l("Không phải địa chỉ email."),
    "value.active": _l("Dùng 1 (đang hoạt động) hoặc 0 (ngừng)."),
    "value.repeated": _l("Mã %(code)s đã có ở dòng %(first)d."),
    "ref.unit": _l("Không có đơn vị mã %(unit)s."),
    "ref.own_parent": _l("Một đơn vị không thể là đơn vị cấp trên của chính nó."),
    "ref.loop": _l("Đơn vị cấp trên này tạo thành vòng lặp trong cây đơn vị."),
    "scope.unit": _l("Đơn vị %(unit)s nằm ngoài phạm vi của anh/chị."),
    "scope.owner": _l("%(code)s thuộc một đơn vị nằm ngoài phạm vi của anh/chị."),
    "scope.top_unit": _l("Anh/chị không thể chuyển đơn vị cao nhất của mình."),
    "scope.parent_needed": _l("Cần parent_code là một đơn vị thuộc phạm vi của anh/chị."),
    "scope.services": _l(
        "Danh mục thủ tục dùng chung cho cả tỉnh; chỉ quản trị viên của đơn vị cao nhất mới được nhập."
    ),
}


def _translated(table: dict, code: str | None, params: dict) -> str | None:
    """The message for ``code`` with its parameters, or None (unknown code, or a parameter is missing)."""
    message = table.get(code or "")
    if message is None:
        return None
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return None


def error_message(exc: FeedbackError) -> str:
    """The error in the reader's language; never the service's English text."""
    message = _translated(MESSAGES, exc.code, exc.params)
    if message is not None:
        return message
    # No message for it: a general sentence that still says what kind of error it is.
    if isinstance(exc, NotFound):
        return _("Không tìm thấy dữ liệu được yêu cầu.")
    if isinstance(exc, Forbidden):
        return _("Việc này nằm ngoài phạm vi của anh/chị.")
    return _("Dữ liệu không hợp lệ. Vui lòng kiểm tra lại.")


_RATED = re.compile(r"^overall rated (\d) of (\d)$")


def case_reason(reason: str) -> str:
    """Why a case was opened (stored in English, e.g. "overall rated 1 of 5; marked as a complaint")."""
    parts = []
    for part in (reason or "").split("; "):
        rated = _RATED.match(part)
        if rated:
            parts.append(_("Đánh giá chung %(level)s/%(scale)s", level=rated.group(1), scale=rated.group(2)))
        elif part == COMPLAINT_REASON:
            parts.append(_("Công dân đánh dấu góp ý là phản ánh"))
        elif part:
            parts.append(part)
    return "; ".join(parts)


def row_error_message(error: RowError) -> str:
    """One problem of an import file, in the reader's language."""
    return _translated(ROW_MESSAGES, error.code, error.params) or _("Giá trị không hợp lệ.")
