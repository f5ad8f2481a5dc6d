"""Configuration classes, read from the environment only inside ``load_config``.

Every setting has one name, documented in the README. Nothing here runs at import time
except the class bodies, which hold defaults only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app can start with."""


def _case_triggers(value: str) -> tuple[str, ...]:
    from feedback.services.cases import parse_triggers  # imported when parsing, never at import time

    return parse_triggers(value)


def _holidays(value: str) -> frozenset:
    from feedback.services.cases import parse_holidays

    return parse_holidays(value)


def _holiday_file(path: str) -> frozenset:
    from feedback.services.cases import read_holiday_file

    try:
        return read_holiday_file(path)
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror})") from None


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = "dev-only-not-secret"  # noqa: S105  (refused in production)
    DATABASE_URL: str | None = None  # None: a SQLite file under instance/
    FEEDBACK_PUBLIC_URL = "http://127.0.0.1:5000"
    REDIS_URL: str | None = None
    FEEDBACK_RATELIMIT_ENABLED = True
    FEEDBACK_TIMEZONE = "Asia/Ho_Chi_Minh"
    FEEDBACK_COMMENT_MAX = 2000
    FEEDBACK_SURVEY_CACHE_SECONDS = 30
    FEEDBACK_SQL_ECHO = False
    FEEDBACK_HASH_KEY: str | None = None  # keys the IP/device hashes; defaults to SECRET_KEY
    FEEDBACK_PROXY_COUNT = 0  # reverse proxies in front of the app whose X-Forwarded-For to trust
    FEEDBACK_BURST_DEVICE_COUNT = 3
    FEEDBACK_BURST_IP_COUNT = 12
    FEEDBACK_BURST_WINDOW_MINUTES = 10
    FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS = 5  # the kiosk's thanks screen lasts at least this long
    FEEDBACK_KIOSK_RESET_SECONDS = 6
    FEEDBACK_KIOSK_IDLE_SECONDS = 45
    FEEDBACK_OFF_HOURS_GRACE_MINUTES = 30
    FEEDBACK_TICKET_TTL_MINUTES = 1440
    FEEDBACK_CASE_DUE_WORKING_DAYS = 3
    FEEDBACK_CASE_OPENS_ON: tuple[str, ...] = ("bottom", "complaint")  # see feedback.services.cases
    FEEDBACK_HOLIDAYS: frozenset = frozenset()  # public holidays beyond the fixed solar ones (dates)
    FEEDBACK_HOLIDAYS_FILE: str | None = None  # a file of more such dates, read when the app starts
    FEEDBACK_SMTP_HOST: str | None = None  # unset: emails are logged, not sent
    FEEDBACK_SMTP_PORT = 25
    FEEDBACK_SMTP_USER: str | None = None
    FEEDBACK_SMTP_PASSWORD: str | None = None
    FEEDBACK_SMTP_STARTTLS = False
    FEEDBACK_MAIL_FROM = "gopy@localhost"
    FEEDBACK_IDLE_MINUTES = 30  # a signed-in session ends after this long without a request
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    LANG_COOKIE = "lang"
    WTF_CSRF_TIME_LIMIT = 6 * 3600  # a citizen may leave the page open while queuing
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    MAX_CONTENT_LENGTH = 256 * 1024
    TEMPLATES_AUTO_RELOAD = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    FEEDBACK_RATELIMIT_ENABLED = False
    FEEDBACK_SURVEY_CACHE_SECONDS = 0
    FEEDBACK_PUBLIC_URL = "http://feedback.test"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = None
    SESSION_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Environment variable -> (config key, parser). The one map of what the environment may set.
ENV_MAP: dict[str, tuple[str, Any]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("DATABASE_URL", str),
    "REDIS_URL": ("REDIS_URL", str),
    "FEEDBACK_PUBLIC_URL": ("FEEDBACK_PUBLIC_URL", lambda v: v.rstrip("/")),
    "FEEDBACK_RATELIMIT_ENABLED": ("FEEDBACK_RATELIMIT_ENABLED", lambda v: _flag(v, True)),
    "FEEDBACK_TIMEZONE": ("FEEDBACK_TIMEZONE", str),
    "FEEDBACK_SURVEY_CACHE_SECONDS": ("FEEDBACK_SURVEY_CACHE_SECONDS", int),
    "FEEDBACK_SQL_ECHO": ("FEEDBACK_SQL_ECHO", lambda v: _flag(v, False)),
    "FEEDBACK_HASH_KEY": ("FEEDBACK_HASH_KEY", str),
    "FEEDBACK_PROXY_COUNT": ("FEEDBACK_PROXY_COUNT", int),
    "FEEDBACK_BURST_DEVICE_COUNT": ("FEEDBACK_BURST_DEVICE_COUNT", int),
    "FEEDBACK_BURST_IP_COUNT": ("FEEDBACK_BURST_IP_COUNT", int),
    "FEEDBACK_BURST_WINDOW_MINUTES": ("FEEDBACK_BURST_WINDOW_MINUTES", int),
    "FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS": ("FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS", int),
    "FEEDBACK_KIOSK_RESET_SECONDS": ("FEEDBACK_KIOSK_RESET_SECONDS", int),
    "FEEDBACK_KIOSK_IDLE_SECONDS": ("FEEDBACK_KIOSK_IDLE_SECONDS", int),
    "FEEDBACK_OFF_HOURS_GRACE_MINUTES": ("FEEDBACK_OFF_HOURS_GRACE_MINUTES", int),
    "FEEDBACK_IDLE_MINUTES": ("FEEDBACK_IDLE_MINUTES", int),
    "FEEDBACK_CASE_DUE_WORKING_DAYS": ("FEEDBACK_CASE_DUE_WORKING_DAYS", int),
    "FEEDBACK_CASE_OPENS_ON": ("FEEDBACK_CASE_OPENS_ON", _case_triggers),
    "FEEDBACK_HOLIDAYS": ("FEEDBACK_HOLIDAYS", _holidays),
    "FEEDBACK_HOLIDAYS_FILE": ("FEEDBACK_HOLIDAYS_FILE", str),
    "FEEDBACK_SMTP_HOST": ("FEEDBACK_SMTP_HOST", str),
    "FEEDBACK_SMTP_PORT": ("FEEDBACK_SMTP_PORT", int),
    "FEEDBACK_SMTP_USER": ("FEEDBACK_SMTP_USER", str),
    "FEEDBACK_SMTP_PASSWORD": ("FEEDBACK_SMTP_PASSWORD", str),
    "FEEDBACK_SMTP_STARTTLS": ("FEEDBACK_SMTP_STARTTLS", lambda v: _flag(v, False)),
    "FEEDBACK_MAIL_FROM": ("FEEDBACK_MAIL_FROM", str),
}

WEAK_SECRETS = {"", "dev-only-not-secret", "change-me", "changeme", "secret"}


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app's settings from the class for ``FEEDBACK_ENV``, the environment and overrides."""
    overrides = dict(overrides or {})
    env_name = overrides.pop("ENV_NAME", None) or os.environ.get("FEEDBACK_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"FEEDBACK_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for env_key, (key, parse) in ENV_MAP.items():
        raw = os.environ.get(env_key)
        if raw is None or raw == "":
            continue
        try:
            settings[key] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{env_key}: {exc}") from exc
    settings.update(overrides)
    holiday_file = settings.get("FEEDBACK_HOLIDAYS_FILE")
    if holiday_file:
        try:
            listed = _holiday_file(holiday_file)
        except ValueError as exc:
            raise ConfigError(f"FEEDBACK_HOLIDAYS_FILE: {exc}") from exc
        settings["FEEDBACK_HOLIDAYS"] = frozenset(settings["FEEDBACK_HOLIDAYS"]) | listed
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "feedback.sqlite3")
    if env_name == "production":
        secret = settings.get("SECRET_KEY") or ""
        if secret in WEAK_SECRETS or len(secret) < 32:
            raise ConfigError(
                "FEEDBACK_ENV=production needs SECRET_KEY set to a random value of at least 32 characters "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
    settings["ENV_NAME"] = env_name
    return settings
