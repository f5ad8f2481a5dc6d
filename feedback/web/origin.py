"""Where a submission comes from: the client address and a random device id, hashed before storage.

The device id is a random value in a long-lived cookie. It identifies a browser, never a person,
and is stored only as a keyed hash; it lets the integrity checks notice one phone rating a counter
again and again. The raw address is used only to test it against the unit's staff networks.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Flask, current_app, g, request

from feedback.services.integrity import Origin
from feedback.web.signing import hasher

DEVICE_COOKIE = "fbd"
DEVICE_MAX_AGE = 365 * 24 * 3600


def valid_device_id(value: str) -> bool:
    return 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()


def device_id() -> str:
    """This browser's device id, minted on its first visit (the cookie is set after the request)."""
    value = getattr(g, "device_id", None)
    if value is None:
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        if valid_device_id(cookie):
            value = cookie
        else:
            value = secrets.token_urlsafe(16)
            g.new_device_id = value
        g.device_id = value
    return value


def current_origin(kiosk_device_id: int | None = None, now: datetime | None = None) -> Origin:
    now = now or datetime.now(UTC)
    h = hasher()
    ip = request.remote_addr
    device = None if kiosk_device_id is not None else device_id()
    return Origin(ip_hash=h.hash(ip, now), device_hash=h.hash(device, now), ip=ip, kiosk_device_id=kiosk_device_id)


def device_key() -> str:
    """Rate-limit key: the device cookie if the browser keeps one."""
    return "dev:" + (request.cookies.get(DEVICE_COOKIE) or "none")


def address_key() -> str:
    return "ip:" + (request.remote_addr or "unknown")


def init_origin(app: Flask) -> None:
    proxies = app.config.get("FEEDBACK_PROXY_COUNT", 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def _set_device_cookie(response):  # noqa: ANN001, ANN202
        value = getattr(g, "new_device_id", None)
        if value:
            response.set_cookie(
                DEVICE_COOKIE,
                value,
                max_age=DEVICE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response
