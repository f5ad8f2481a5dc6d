from __future__ import annotations

import pytest

from feedback.extensions import limiter


@pytest.fixture()
def rate_limits(app):
    """Turn the rate limiter on for one test, with an empty store."""
    limiter.reset()
    limiter.enabled = True
    try:
        yield limiter
    finally:
        limiter.enabled = False
        limiter.reset()


@pytest.fixture()
def warm_caches(app):
    """Run with the production caches on (the testing config turns them off)."""
    saved = app.config["FEEDBACK_SURVEY_CACHE_SECONDS"]
    app.config["FEEDBACK_SURVEY_CACHE_SECONDS"] = 30
    for name in ("feedback_survey_cache", "feedback_blank_pages"):
        app.extensions.pop(name, None)
    try:
        yield
    finally:
        app.config["FEEDBACK_SURVEY_CACHE_SECONDS"] = saved
        for name in ("feedback_survey_cache", "feedback_blank_pages"):
            app.extensions.pop(name, None)
