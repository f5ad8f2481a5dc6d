"""Flask's signed cookie session, with its signing serializer made once per key set.

Flask builds a new ``URLSafeTimedSerializer`` twice per request (to open and to save the
session), even when the request has no session cookie and never touches the session. On the
citizen's page that was a tenth of the request's cost; the serializer holds nothing per request.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) > 8:  # keys rotated many times in one process (tests)
                self._serializers.clear()
            self._serializers[key] = serializer
        return serializer
