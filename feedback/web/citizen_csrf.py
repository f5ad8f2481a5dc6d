"""CSRF protection for the citizen's survey forms without a server-side session.

A citizen's first visit is the hottest page of the app, and Flask-WTF's default protection would
give every visitor a signed session cookie just to hold a random CSRF secret. These forms already
mint a random device id cookie (``feedback.web.origin``), HttpOnly and SameSite=Lax, so the token
is bound to it instead: ``<issued unix time>.<HMAC-SHA256(key, device id | issued time)>``.

A forged cross-site POST cannot read the victim's device cookie nor compute the HMAC without the
secret key, so it cannot present a matching token; a token older than ``WTF_CSRF_TIME_LIMIT``
seconds (default one hour) is refused. This is OWASP's "signed double-submit cookie" pattern,
plugged into WTForms through its documented ``csrf_class`` hook. The staff pages keep Flask-WTF's
session-based protection.
"""

from __future__ import annotations

import base64
import hmac
import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from feedback.web.origin import DEVICE_COOKIE, device_id, valid_device_id

_CONTEXT = b"citizen-csrf|"


def _key() -> bytes:
    key = current_app.extensions.get("feedback_citizen_csrf_key")
    if key is None:
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.config["SECRET_KEY"]
        secret = secret if isinstance(secret, bytes) else str(secret).encode()
        # Derived, so this token's MAC never equals any other signature made with the secret key.
        key = current_app.extensions["feedback_citizen_csrf_key"] = hmac.digest(secret, _CONTEXT, "sha256")
    return key


def _mac(device: str, issued: int) -> str:
    digest = hmac.digest(_key(), f"{device}|{issued}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(device: str, issued: int | None = None) -> str:
    issued = int(time.time()) if issued is None else issued
    return f"{issued}.{_mac(device, issued)}"


def check_token(token: str | None, device: str | None, now: float | None = None) -> bool:
    """True if ``token`` was issued for ``device`` within the time limit."""
    if not token or not device or len(token) > 80:
        return False
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit() or not mac:
        return False
    issued = int(issued_text)
    now = time.time() if now is None else now
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if issued > now + 60 or (limit is not None and now - issued > limit):
        return False
    return hmac.compare_digest(mac, _mac(device, issued))


class DeviceBoundCSRF(CSRF):
    """WTForms CSRF: tokens tied to the browser's device cookie; no session is created."""

    def generate_csrf_token(self, csrf_token_field) -> str:  # noqa: ANN001
        return make_token(device_id())

    def validate_csrf_token(self, form, field) -> None:  # noqa: ANN001
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        if not check_token(field.data, cookie if valid_device_id(cookie) else None):
            raise ValidationError(_l("Phiên làm việc đã hết hạn. Vui lòng gửi lại."))
