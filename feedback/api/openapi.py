"""The OpenAPI 3.1 document, built from the request and response models the views use.

A test walks the app's URL map and fails when an /api/v1 route is missing here, and schemathesis
checks the real endpoints against this document.
"""

from __future__ import annotations

from typing import Any

from feedback.api.schemas import Error, TicketCreated, TicketRequest

REF = "#/components/schemas/{model}"


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (TicketRequest, TicketCreated, Error):
        schema = model.model_json_schema(
            ref_template=REF, mode="serialization" if model is not TicketRequest else "validation"
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }


AUTH_ERRORS = {
    "401": _error("No key, a malformed, unknown or revoked key"),
    "403": _error("The key lacks the scope, or the counter is outside the key's unit subtree"),
    "429": _error("Too many requests for this key"),
}


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Citizen feedback API",
            "version": "1",
            "description": "Tickets for served transactions; KPI metrics and raw responses for KPI systems. "
            'Errors are JSON {"error": {"code", "message"}}.',
        },
        "servers": [{"url": server_url + "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "fbk_<prefix>_<secret>"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/tickets": {
                "post": {
                    "operationId": "createTicket",
                    "summary": "Issue a one-time survey ticket for the citizen just served",
                    "description": "Needs the tickets:write scope. The counter must lie in the key's unit subtree.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="TicketRequest")}}},
                    },
                    "responses": {
                        "201": {
                            "description": "The ticket; put its url in a QR code on the receipt",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="TicketCreated")}}},
                        },
                        "400": _error("The body is not valid JSON"),
                        **AUTH_ERRORS,
                        "404": _error("No counter with that code"),
                        "415": _error("The body is not JSON"),
                        "422": _error("A field is missing, of the wrong type or refers to an unknown staff or service"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {}}}},
                }
            },
        },
    }
