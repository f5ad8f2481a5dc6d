"""Input no page can use: a NUL character. PostgreSQL cannot compare or store it, so refuse it early (400)."""

from __future__ import annotations

from flask import Flask, abort, request


def _has_nul(values) -> bool:  # noqa: ANN001
    return any("\x00" in key or "\x00" in value for key, value in values)


def init_guards(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():  # noqa: ANN202
        if request.path.startswith("/api/"):
            return None  # the API answers with its own JSON errors (feedback/api/views.py)
        if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
            abort(400)
        if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
            if _has_nul(request.form.items(multi=True)):
                abort(400)
        return None
