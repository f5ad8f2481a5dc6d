"""The HTTP API under ``/api/v1``: JSON in and out, bearer API keys, described by /api/v1/openapi.json."""

from feedback.api.views import bp

__all__ = ["bp"]
