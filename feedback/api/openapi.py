"""The OpenAPI 3.1 document, built from the request and response models the views use.

A test walks the app's URL map and fails when an /api/v1 route is missing here, and schemathesis
checks the real endpoints against this document.
"""

from __future__ import annotations

from typing import Any

from feedback.api.schemas import (
    Error,
    FeedItem,
    FeedPage,
    KpiDocument,
    TicketCreated,
    TicketRequest,
    VolumeItem,
    VolumesStored,
)

REF = "#/components/schemas/{model}"


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (TicketRequest, TicketCreated, Error, KpiDocument, FeedItem, FeedPage, VolumeItem, VolumesStored):
        mode = "validation" if model in (TicketRequest, VolumeItem) else "serialization"
        schema = model.model_json_schema(ref_template=REF, mode=mode, by_alias=True)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_HEADERS = {
    "X-Content-SHA256": {"schema": {"type": "string"}, "description": "SHA-256 of the body"},
    "X-KPI-Rules-Version": {"schema": {"type": "string"}, "description": "The KPI rules version used"},
}


def _query(name: str, schema: dict[str, Any], required: bool, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


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
            "/kpi": {
                "get": {
                    "operationId": "getKpi",
                    "summary": "Satisfaction metrics per unit, counter, staff member or service (SPEC §4)",
                    "description": "Needs kpi:read. Whole local days (Asia/Ho_Chi_Minh), both ends inclusive. "
                    "format=csv gives UTF-8 with BOM, format=xlsx a data sheet and a definitions sheet; all "
                    "formats carry the same numbers. Headers: X-Content-SHA256 (of the body) and "
                    "X-KPI-Rules-Version. See docs/metrics.md.",
                    "parameters": [
                        _query("from", {"type": "string", "format": "date"}, True, "First day, YYYY-MM-DD"),
                        _query("to", {"type": "string", "format": "date"}, True, "Last day, YYYY-MM-DD, inclusive"),
                        _query("group_by", {"type": "string", "enum": ["unit", "counter", "staff", "service"]}, True),
                        _query(
                            "unit", {"type": "string", "maxLength": 40}, False, "A unit code inside the key's subtree"
                        ),
                        _query("format", {"type": "string", "enum": ["json", "csv", "xlsx"], "default": "json"}, False),
                    ],
                    "responses": {
                        "200": {
                            "description": "One row per group",
                            "headers": EXPORT_HEADERS,
                            "content": {
                                "application/json": {"schema": {"$ref": REF.format(model="KpiDocument")}},
                                "text/csv": {"schema": {"type": "string"}},
                                XLSX: {"schema": {"type": "string", "format": "binary"}},
                            },
                        },
                        "400": _error("A parameter is missing, malformed, or the dates are reversed"),
                        **AUTH_ERRORS,
                        "404": _error("No unit with that code"),
                    },
                }
            },
            "/responses": {
                "get": {
                    "operationId": "getResponses",
                    "summary": "Every response created or changed after a cursor, oldest change first",
                    "description": "Needs responses:read. Follow `next` until `items` is empty; a change shows "
                    "once it is 5 s old, so nothing is missed or repeated. Never carries contact details.",
                    "parameters": [
                        _query("after", {"type": "string", "maxLength": 500}, False, "The previous page's next"),
                        _query("limit", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000}, False),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of responses",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="FeedPage")}}},
                        },
                        "400": _error("A malformed or forged cursor, or a limit out of range"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/volumes": {
                "put": {
                    "operationId": "putVolumes",
                    "summary": "Upsert transactions served per unit, day and (optionally) service",
                    "description": "Needs volumes:write. All items are stored or none. Omit service for the "
                    "unit's total, which gives the unit's response rate.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "maxItems": 10000,
                                    "items": {"$ref": REF.format(model="VolumeItem")},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "How many were new and how many changed",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="VolumesStored")}}},
                        },
                        "400": _error("The body is not valid JSON"),
                        **AUTH_ERRORS,
                        "415": _error("The body is not JSON"),
                        "422": _error("An item is malformed, or names an unknown unit or service"),
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
