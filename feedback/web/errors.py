"""Friendly error pages in the visitor's language; JSON for the API."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # noqa: ANN202
        return (
            render_template(
                "errors/error.html",
                title=_("Phiên làm việc đã hết hạn"),
                message=_("Trang đã mở quá lâu hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."),
                retry_url=request.path,
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        if _wants_json():
            return {
                "error": {"code": (exc.name or "error").lower().replace(" ", "_"), "message": exc.description}
            }, exc.code
        titles = {
            404: _("Không tìm thấy trang"),
            405: _("Thao tác không được hỗ trợ"),
            413: _("Nội dung gửi quá lớn"),
            429: _("Quá nhiều yêu cầu"),
        }
        messages = {
            404: _("Địa chỉ này không tồn tại. Vui lòng kiểm tra lại mã QR hoặc đường dẫn."),
            413: _("Nội dung gửi quá lớn. Vui lòng rút ngắn góp ý và gửi lại."),
            429: _("Quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút."),
        }
        return (
            render_template(
                "errors/error.html",
                title=titles.get(exc.code, _("Đã có lỗi")),
                message=messages.get(exc.code, _("Yêu cầu không hợp lệ.")),
            ),
            exc.code,
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return {"error": {"code": "internal_error", "message": "Internal error"}}, 500
        return (
            render_template(
                "errors/error.html",
                title=_("Đã có lỗi"),
                message=_("Hệ thống đang gặp sự cố. Vui lòng thử lại sau."),
            ),
            500,
        )
