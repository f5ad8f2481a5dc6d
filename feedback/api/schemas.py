"""Request and response bodies. The OpenAPI document is generated from these models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from feedback.services.tickets import MAX_TTL_MINUTES

DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class TicketRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", title="TicketRequest")

    counter: StrictStr = Field(min_length=1, max_length=40, description="Counter code, e.g. KH-TTHCC-Q03")
    staff: StrictStr | None = Field(None, min_length=1, max_length=40, description="Staff code of who served")
    service: StrictStr | None = Field(None, min_length=1, max_length=40, description="Procedure code")
    reference: StrictStr | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[\w./\-: ]{1,64}$", description="Case reference (mã hồ sơ)"
    )
    ttl_minutes: StrictInt | None = Field(
        None, ge=1, le=MAX_TTL_MINUTES, description="Minutes until the ticket expires (default 1440)"
    )


class TicketCreated(BaseModel):
    model_config = ConfigDict(title="TicketCreated")

    token: str
    url: str = Field(description="The citizen's survey address; put it in the QR code")
    expires_at: datetime
    qr_svg: str = Field(description="URL of the QR code as SVG")
    qr_png: str = Field(description="URL of the QR code as PNG")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_body, forbidden")
    message: str


class Error(BaseModel):
    model_config = ConfigDict(title="Error")

    error: ErrorBody


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, title="KpiQuery")

    from_: StrictStr = Field(alias="from", pattern=DAY_PATTERN, description="First local day, YYYY-MM-DD")
    to: StrictStr = Field(pattern=DAY_PATTERN, description="Last local day, YYYY-MM-DD, inclusive")
    group_by: Literal["unit", "counter", "staff", "service"]
    unit: StrictStr | None = Field(None, min_length=1, max_length=40, description="Limit to this unit's subtree")
    format: Literal["json", "csv", "xlsx"] = "json"


class DimensionFigures(BaseModel):
    n: int
    mean: float | None
    score: float | None
    csat: float | None
    csat_low: float | None
    csat_high: float | None


class KpiRowModel(BaseModel):
    model_config = ConfigDict(title="KpiRow")

    key: str
    name: str
    n: int
    index: float | None
    adjusted: float | None
    band: str | None
    response_rate: float | None
    excluded: int
    suspect: int
    dimensions: dict[str, DimensionFigures]
    cases_opened: int | None = Field(None, description="Unit rows: follow-up cases opened in the period")
    cases_on_time: int | None = Field(None, description="Unit rows: of those, resolved by their due date")
    case_median_hours: float | None = Field(None, description="Unit rows: median hours from opening to closing")


class KpiDocument(BaseModel):
    model_config = ConfigDict(title="KpiDocument", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    group_by: str
    rules: dict[str, Any]
    rows: list[KpiRowModel]


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", title="FeedQuery")

    after: StrictStr | None = Field(None, max_length=500, description="The `next` cursor of the previous page")
    limit: int = Field(1000, ge=1, le=5000)


class FeedItem(BaseModel):
    model_config = ConfigDict(title="FeedItem")

    id: int
    receipt: str
    submitted_at: str
    updated_at: str
    channel: str
    unit: str
    counter: str | None
    staff: str | None
    staff_attribution: str
    service: str | None
    template: str
    template_version: int
    language: str
    status: str
    excluded_reason: str | None
    suspect: bool
    flags: list[str]
    comment: str | None
    answers: dict[str, int | str]


class FeedPage(BaseModel):
    model_config = ConfigDict(title="FeedPage")

    items: list[FeedItem]
    next: str | None = Field(description="Pass as `after` for the next page; the same cursor when nothing new")


class VolumeItem(BaseModel):
    model_config = ConfigDict(extra="forbid", title="VolumeItem")

    unit: StrictStr = Field(min_length=1, max_length=40)
    day: StrictStr = Field(pattern=DAY_PATTERN, description="Local day, YYYY-MM-DD")
    service: StrictStr | None = Field(None, min_length=1, max_length=40, description="Omit for all services")
    transactions: StrictInt = Field(ge=0, le=10_000_000)


class VolumesStored(BaseModel):
    model_config = ConfigDict(title="VolumesStored")

    created: int
    updated: int
