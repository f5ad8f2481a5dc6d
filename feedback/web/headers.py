"""Response headers for every page: a strict content security policy and long-lived static files."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request, url_for

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
STATIC_MAX_AGE = 365 * 24 * 3600
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def init_headers(app: Flask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    versions: dict[str, str] = {}

    def static_url(filename: str) -> str:
        """The static file's URL with a digest of its content, so a long cache never serves stale CSS."""
        version = versions.get(filename)
        if version is None:
            path = os.path.join(app.static_folder or "", filename)
            with open(path, "rb") as handle:
                version = hashlib.sha256(handle.read()).hexdigest()[:10]
            versions[filename] = version
        return url_for("static", filename=filename, v=version)

    app.jinja_env.globals["static_url"] = static_url

    @app.after_request
    def _security_headers(response):  # noqa: ANN001
        headers = response.headers
        # One pass over the few headers a response has, instead of a case-folding scan per name.
        present = {name.lower() for name in headers.keys()}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=31536000")
        return response
