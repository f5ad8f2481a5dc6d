"""API keys: created with scopes and a unit subtree, shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import ApiKey, Unit
from feedback.models.access import SCOPES
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound

KEY_PREFIX = "fbk"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """An authenticated API key, as the API layer needs it."""

    key_id: int
    name: str
    prefix: str
    unit_id: int
    scopes: frozenset[str]


class AuthenticationFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(text: str) -> str:
    scopes = sorted({s.strip() for s in text.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidInput(f"scopes must be a comma-separated list of: {', '.join(SCOPES)}", code="apikey.scopes")
    return ",".join(scopes)


def create_api_key(session: Session, name: str, unit_code: str, scopes: str, actor: str = "cli") -> tuple[ApiKey, str]:
    """Create a key and return it with its full text, which is shown this once and never stored.

    The key and its audit event are written in one transaction: both or neither.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("the key's name must be 1-100 characters", code="apikey.name", max=100)
    scope_text = parse_scopes(scopes)
    with write_transaction(session):
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise NotFound(f"no unit with code {unit_code!r}", code="unit.unknown", unit=unit_code)
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(name=name, prefix=prefix, secret_hash=_hash(secret), scopes=scope_text, unit_id=unit.id)
        session.add(key)
        session.flush()
        audit(session, actor, "apikey.create", key.prefix, name=key.name, unit=unit.code, scopes=key.scopes)
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def list_api_keys(session: Session) -> list[tuple[ApiKey, str]]:
    rows = session.execute(select(ApiKey, Unit.code).join(Unit, ApiKey.unit_id == Unit.id).order_by(ApiKey.id))
    return [(key, unit_code) for key, unit_code in rows]


def revoke_api_key(session: Session, prefix: str, actor: str = "cli") -> ApiKey:
    """Revoke a key (it stops working at once), with its audit event in the same transaction."""
    with write_transaction(session):
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if key is None:
            raise NotFound(f"no API key with prefix {prefix!r}", code="apikey.unknown", prefix=prefix)
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            audit(session, actor, "apikey.revoke", key.prefix, name=key.name)
    return key


def authenticate(session: Session, header: str | None, now: datetime | None = None) -> Caller:
    """Check an ``Authorization: Bearer fbk_<prefix>_<secret>`` header and record the key's use."""
    if not header:
        raise AuthenticationFailed("missing Authorization header; send 'Authorization: Bearer <key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <key>'")
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        raise AuthenticationFailed("malformed API key")
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        raise AuthenticationFailed("unknown API key")
    if key.revoked_at is not None:
        raise AuthenticationFailed("this API key has been revoked")
    now = now or datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # At most one write a minute per key, so a busy integration does not serialise on this row.
        with write_transaction(session):
            session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return Caller(key.id, key.name, key.prefix, key.unit_id, key.scope_set)
