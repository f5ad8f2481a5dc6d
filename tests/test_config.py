from __future__ import annotations

import pytest

from feedback.config import ConfigError, load_config


def test_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FEEDBACK_ENV", raising=False)
    settings = load_config("/srv/feedback/instance")
    assert settings["DATABASE_URL"] == "sqlite:////srv/feedback/instance/feedback.sqlite3"
    assert settings["BABEL_DEFAULT_LOCALE"] == "vi"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("FEEDBACK_PUBLIC_URL", "https://gopy.khanhhoa.gov.vn/")
    monkeypatch.setenv("FEEDBACK_RATELIMIT_ENABLED", "0")
    settings = load_config("/tmp")
    assert settings["FEEDBACK_PUBLIC_URL"] == "https://gopy.khanhhoa.gov.vn"
    assert settings["FEEDBACK_RATELIMIT_ENABLED"] is False


@pytest.mark.parametrize("secret", [None, "", "change-me", "short"])
def test_production_needs_a_strong_secret(monkeypatch, secret):
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("/tmp")


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    settings = load_config("/tmp")
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["SESSION_COOKIE_HTTPONLY"] is True


def test_unknown_environment_and_bad_numbers(monkeypatch):
    monkeypatch.setenv("FEEDBACK_ENV", "staging")
    with pytest.raises(ConfigError, match="FEEDBACK_ENV"):
        load_config("/tmp")
    monkeypatch.setenv("FEEDBACK_ENV", "development")
    monkeypatch.setenv("FEEDBACK_SURVEY_CACHE_SECONDS", "soon")
    with pytest.raises(ConfigError, match="FEEDBACK_SURVEY_CACHE_SECONDS"):
        load_config("/tmp")
