"""Request and response bodies. The OpenAPI document is generated from these models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from feedback.services.tickets import MAX_TTL_MINUTES


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
