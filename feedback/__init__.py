"""Citizen satisfaction survey and feedback collector."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from feedback.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from small steps; ``config`` overrides what the environment sets."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        template_folder=os.path.join(root, "templates"),
        instance_path=os.environ.get("FEEDBACK_INSTANCE_PATH") or os.path.join(root, "instance"),
        instance_relative_config=False,
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from feedback.extensions import csrf, db, limiter
    from feedback.web.auth import init_auth
    from feedback.web.guards import init_guards
    from feedback.web.headers import init_headers
    from feedback.web.i18n import init_i18n
    from feedback.web.origin import init_origin
    from feedback.web.sessions import CachedSerializerSessionInterface

    app.session_interface = CachedSerializerSessionInterface()
    db.init_app(app)
    csrf.init_app(app)
    init_i18n(app)
    init_headers(app)
    init_origin(app)
    init_auth(app)
    init_guards(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # Set after init_app so the store exists and a test can switch limits on for a while.
    limiter.enabled = app.config["FEEDBACK_RATELIMIT_ENABLED"]

    # No default limits: every limit is a decorator on its route (or checked in a view), and the
    # decorators check themselves. The per-request middleware check only cost the hot citizen GET.
    app.before_request_funcs[None] = [
        f
        for f in app.before_request_funcs.get(None, [])
        if getattr(f, "__func__", None) is not type(limiter)._check_request_limit
    ]


def register_blueprints(app: Flask) -> None:
    from feedback.api import bp as api_bp
    from feedback.web.admin import bp as admin_bp
    from feedback.web.auth import bp as auth_bp
    from feedback.web.health import bp as health_bp
    from feedback.web.kiosk import bp as kiosk_bp
    from feedback.web.manage import bp as manage_bp
    from feedback.web.posters import bp as posters_bp
    from feedback.web.public import bp as public_bp
    from feedback.web.tickets import bp as tickets_bp

    for blueprint in (public_bp, tickets_bp, kiosk_bp, posters_bp, auth_bp, manage_bp, admin_bp, api_bp, health_bp):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    from feedback.web.errors import register

    register(app)


def register_cli(app: Flask) -> None:
    from feedback.cli import register

    register(app)
