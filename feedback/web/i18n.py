"""Language choice: ``?lang=vi|en``, remembered in a cookie; Vietnamese by default."""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import get_locale

from feedback.extensions import babel

ONE_YEAR = 365 * 24 * 3600


# Parsed once: babel's Locale.parse looks at the file system on every call, on the hottest path.
_LOCALES: dict[str, Locale] = {}


def _locale(code: str) -> Locale:
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def select_locale() -> Locale:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        return _locale(asked)
    cookie = request.cookies.get(current_app.config["LANG_COOKIE"])
    if cookie in languages:
        return _locale(cookie)
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def localtime(value, tz: str = "Asia/Ho_Chi_Minh") -> str:  # noqa: ANN001
    """A UTC timestamp as Vietnamese readers write it, in the office's time zone: 14:05 04/12/2026."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


def current_lang() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_i18n(app: Flask) -> None:
    import os

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations"),
    )
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.filters["localtime"] = localtime

    @app.after_request
    def _remember_language(response):  # noqa: ANN001
        asked = request.args.get("lang")
        if asked in app.config["LANGUAGES"] and request.cookies.get(app.config["LANG_COOKIE"]) != asked:
            response.set_cookie(
                app.config["LANG_COOKIE"],
                asked,
                max_age=ONE_YEAR,
                httponly=True,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response
