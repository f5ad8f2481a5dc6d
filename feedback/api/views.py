"""API views: authenticate, validate the body with a schema, call one service, answer JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from pydantic import BaseModel, TypeAdapter, ValidationError

from feedback.api.errors import ApiError, error_response
from feedback.api.openapi import openapi_document
from feedback.api.schemas import (
    FeedQuery,
    KpiQuery,
    TicketCreated,
    TicketRequest,
    VolumeItem,
    VolumesStored,
)
from feedback.extensions import csrf, db, limiter
from feedback.services import exports
from feedback.services.apikeys import AuthenticationFailed, Caller, authenticate
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.feed import feed_page
from feedback.services.kpi import kpi_report
from feedback.services.kpi_rules import current_rules
from feedback.services.tickets import issue_ticket
from feedback.services.volumes import Volume, upsert_volumes
from feedback.web.signing import cursor_codec, ticket_signer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def audit_export(session, caller: Caller, what: str, **detail: Any) -> None:  # noqa: ANN001
    """Exports are audited: who pulled which figures, when."""
    from feedback.db import write_transaction
    from feedback.services.audit import audit

    with write_transaction(session):
        audit(session, f"apikey:{caller.prefix}", f"export.{what}", caller.name, **detail)


bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies here: every call carries its own bearer key


def _key_for_limits() -> str:
    """The whole credential, hashed: someone who knows a key's public prefix cannot spend its quota."""
    header = request.headers.get("Authorization", "")
    if not header:
        return f"ip:{request.remote_addr}"
    return "key:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]


def require_scope(scope: str):  # noqa: ANN201
    def decorator(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            try:
                header = request.headers.get("Authorization")
                if header and "\x00" in header:
                    raise AuthenticationFailed("malformed API key")
                caller = authenticate(db.session, header)
            except AuthenticationFailed as exc:
                raise ApiError(401, "unauthorized", exc.reason, {"WWW-Authenticate": "Bearer"}) from None
            if scope not in caller.scopes:
                raise ApiError(403, "insufficient_scope", f"this key lacks the {scope} scope")
            g.caller = caller
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False)
    )


def _has_nul(value: Any) -> bool:
    """A NUL character anywhere in the JSON: PostgreSQL cannot compare or store it (a 500, not a 4xx)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def parse_query(model: type[BaseModel]) -> Any:
    if any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        raise ApiError(400, "invalid_query", "a parameter contains a NUL character")
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(400, "invalid_query", _problems(exc)) from None


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_query", f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_body(model: type[BaseModel]) -> Any:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "the body is not valid JSON")
    if _has_nul(data):
        raise ApiError(422, "invalid_body", "a string in the body contains a NUL character")
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_body", _problems(exc)) from None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):  # noqa: ANN202
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    return openapi_document(current_app.config["FEEDBACK_PUBLIC_URL"])


@bp.post("/tickets")
@limiter.limit("600/minute", key_func=_key_for_limits)
@require_scope("tickets:write")
def create_ticket():  # noqa: ANN201
    body: TicketRequest = parse_body(TicketRequest)
    caller: Caller = g.caller
    try:
        issued = issue_ticket(
            db.session,
            ticket_signer(),
            scope_unit_id=caller.unit_id,
            counter_code=body.counter,
            staff_code=body.staff,
            service_code=body.service,
            reference=body.reference,
            ttl_minutes=body.ttl_minutes,
            api_key_id=caller.key_id,
        )
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except Forbidden as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except InvalidInput as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None
    base = current_app.config["FEEDBACK_PUBLIC_URL"]
    created = TicketCreated(
        token=issued.token,
        url=base + url_for("tickets.ticket_survey", token=issued.token),
        expires_at=issued.expires_at,
        qr_svg=base + url_for("tickets.ticket_qr", token=issued.token, fmt="svg"),
        qr_png=base + url_for("tickets.ticket_qr", token=issued.token, fmt="png"),
    )
    return created.model_dump(mode="json"), 201


def _export_headers(body: bytes, rules_version: int, filename: str | None = None) -> dict[str, str]:
    headers = {
        "X-Content-SHA256": exports.digest(body),
        "X-KPI-Rules-Version": str(rules_version),
        "Cache-Control": "no-store",
    }
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return headers


@bp.get("/kpi")
@limiter.limit("600/minute", key_func=_key_for_limits)
@require_scope("kpi:read")
def kpi():  # noqa: ANN201
    query: KpiQuery = parse_query(KpiQuery)
    start, end = parse_day(query.from_, "from"), parse_day(query.to, "to")
    caller: Caller = g.caller
    rules = current_rules(db.session)
    try:
        report = kpi_report(
            db.session,
            scope_unit_id=caller.unit_id,
            date_from=start,
            date_to=end,
            group_by=query.group_by,
            rules=rules,
            unit_code=query.unit,
        )
    except InvalidInput as exc:
        raise ApiError(400, "invalid_query", str(exc)) from None
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except Forbidden as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    name = f"kpi-{query.group_by}-{start.isoformat()}-{end.isoformat()}"
    if query.format == "csv":
        body, mimetype, filename = exports.kpi_csv(report), "text/csv", f"{name}.csv"
    elif query.format == "xlsx":
        body, mimetype, filename = exports.kpi_xlsx(report), XLSX, f"{name}.xlsx"
    else:
        body = json.dumps(exports.kpi_document(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        mimetype, filename = "application/json", None
    audit_export(
        db.session,
        caller,
        "kpi",
        group_by=query.group_by,
        period=f"{start}..{end}",
        unit=query.unit,
        format=query.format,
        rows=len(report.rows),
    )
    return Response(body, mimetype=mimetype, headers=_export_headers(body, rules.version, filename))


@bp.get("/responses")
@limiter.limit("600/minute", key_func=_key_for_limits)
@require_scope("responses:read")
def responses_feed():  # noqa: ANN201
    query: FeedQuery = parse_query(FeedQuery)
    caller: Caller = g.caller
    try:
        page = feed_page(
            db.session, cursor_codec(), scope_unit_id=caller.unit_id, cursor=query.after, limit=query.limit
        )
    except InvalidInput as exc:
        raise ApiError(400, "invalid_query", str(exc)) from None
    body = json.dumps({"items": page.items, "next": page.next}, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})


VOLUMES = TypeAdapter(list[VolumeItem])


@bp.put("/volumes")
@limiter.limit("600/minute", key_func=_key_for_limits)
@require_scope("volumes:write")
def put_volumes():  # noqa: ANN201
    items: list[VolumeItem] = parse_body(VOLUMES)
    caller: Caller = g.caller
    volumes = []
    for position, item in enumerate(items):
        try:
            day = date.fromisoformat(item.day)
        except ValueError:
            raise ApiError(422, "invalid_body", f"{position}.day: {item.day!r} is not a date") from None
        volumes.append(Volume(unit=item.unit, day=day, service=item.service, transactions=item.transactions))
    try:
        created, updated = upsert_volumes(db.session, caller.unit_id, volumes)
    except Forbidden as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except InvalidInput as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None
    return VolumesStored(created=created, updated=updated).model_dump(), 200
