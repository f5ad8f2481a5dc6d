"""Integrity flags: signs that a response may not be an honest citizen's, for managers to review.

Flags never block a citizen: a flagged response is stored, counted as ``suspect`` beside the KPI,
and the KPI rules decide whether it counts. Each flag carries its reason in words.

- ``burst``: the same device (or, at one counter, the same network address) sent many responses in
  a short window — ballot stuffing through a permanent counter QR.
- ``internal_network``: sent from the unit's own staff network (per-unit CIDR list) — staff rating
  themselves. Kiosks are on the office network by design and are not checked.
- ``off_hours``: a counter or kiosk response outside the unit's opening hours (with a grace period).
- ``repeat_device``: a device that already responded at the same unit within a day.
- ``kiosk_interval``: two kiosk responses closer together than the kiosk's minimum interval.

Addresses and device ids are kept only as keyed hashes whose key changes every month (SPEC §6).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from feedback.models import Response, Unit
from feedback.services.cases import DEFAULT_TRIGGERS

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class IntegrityRules:
    burst_device_count: int = 3  # this many from one device within the window is a burst
    burst_ip_count: int = 12  # this many from one address at one counter within the window
    burst_window: timedelta = timedelta(minutes=10)
    repeat_window: timedelta = timedelta(hours=24)
    kiosk_min_interval: timedelta = timedelta(seconds=5)
    off_hours_grace: timedelta = timedelta(minutes=30)
    timezone: str = "Asia/Ho_Chi_Minh"
    case_due_working_days: int = 3  # a negative response's follow-up case is due this many working days later
    case_opens_on: tuple[str, ...] = DEFAULT_TRIGGERS  # which responses open a case (cases.CASE_TRIGGERS)
    case_holidays: frozenset[date] = frozenset()  # public holidays beyond the fixed ones, for the due date


@dataclass(frozen=True)
class Origin:
    """Where a submission came from, already hashed."""

    ip_hash: str | None = None
    device_hash: str | None = None
    ip: str | None = None  # the raw address, used only to test it against networks, never stored
    kiosk_device_id: int | None = None


class Hasher:
    """Keyed hashes of addresses and device ids. The key is derived per month from the app secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")

    def _key(self, when: datetime) -> bytes:
        return hmac.new(self._secret, f"origin-{when:%Y-%m}".encode(), hashlib.sha256).digest()

    def hash(self, value: str | None, when: datetime) -> str | None:
        if not value:
            return None
        return hmac.new(self._key(when), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class SettingError(ValueError):
    pass


def parse_networks(text: str | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``"10.0.0.0/8 192.0.2.7"`` → networks; raise SettingError naming a bad entry."""
    networks = []
    for item in re.split(r"[\s,;]+", (text or "").strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(f"{item!r} is not an IP network (use CIDR, e.g. 10.20.0.0/16)") from None
    return networks


Hours = dict[int, list[tuple[time, time]]]


def parse_hours(text: str | None) -> Hours:
    """``"mon-fri 07:00-11:30 13:30-17:00; sat 07:30-11:30"`` → {weekday: [(start, end)]}."""
    hours: Hours = {}
    for part in (text or "").split(";"):
        part = part.strip().lower()
        if not part:
            continue
        tokens = part.split()
        days_token, spans = tokens[0], tokens[1:]
        days = _parse_days(days_token)
        if not spans:
            raise SettingError(f"{part!r}: give at least one time span such as 07:30-11:30")
        for span in spans:
            match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", span)
            if not match:
                raise SettingError(f"{span!r} is not a time span such as 07:30-11:30")
            h1, m1, h2, m2 = map(int, match.groups())
            if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
                raise SettingError(f"{span!r} is not a time of day")
            start, end = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
            if end <= start:
                raise SettingError(f"{span!r} ends before it starts")
            for day in days:
                hours.setdefault(day, []).append((start, end))
    return hours


def _parse_days(token: str) -> list[int]:
    days: list[int] = []
    for piece in token.split(","):
        if "-" in piece:
            first, last = piece.split("-", 1)
            if first not in DAYS or last not in DAYS:
                raise SettingError(f"{piece!r}: days are mon, tue, wed, thu, fri, sat, sun")
            a, b = DAYS.index(first), DAYS.index(last)
            if b < a:
                raise SettingError(f"{piece!r}: the range runs backwards")
            days.extend(range(a, b + 1))
        elif piece in DAYS:
            days.append(DAYS.index(piece))
        else:
            raise SettingError(f"{piece!r}: days are mon, tue, wed, thu, fri, sat, sun")
    return days


def within_hours(hours: Hours, local: datetime, grace: timedelta) -> bool:
    for start, end in hours.get(local.weekday(), []):
        opened = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        closed = local.replace(hour=end.hour, minute=end.minute, second=end.second, microsecond=0)
        if opened <= local <= closed + grace:
            return True
    return False


def unit_settings(session: Session, unit_id: int) -> tuple[str | None, str | None]:
    """The unit's (internal networks, opening hours), each from the nearest ancestor that sets it."""
    ancestors = (
        select(Unit.id, Unit.parent_id, Unit.internal_networks, Unit.opening_hours, literal(0).label("depth"))
        .where(Unit.id == unit_id)
        .cte("settings_up", recursive=True)
    )
    ancestors = ancestors.union_all(
        select(Unit.id, Unit.parent_id, Unit.internal_networks, Unit.opening_hours, ancestors.c.depth + 1).join(
            ancestors, Unit.id == ancestors.c.parent_id
        )
    )
    networks = hours = None
    for row in session.execute(
        select(ancestors.c.internal_networks, ancestors.c.opening_hours).order_by(ancestors.c.depth)
    ):
        networks = networks if networks is not None else row.internal_networks
        hours = hours if hours is not None else row.opening_hours
    return networks, hours


def compute_flags(
    session: Session,
    *,
    unit_id: int,
    counter_id: int | None,
    channel: str,
    origin: Origin,
    now: datetime,
    rules: IntegrityRules,
) -> list[tuple[str, str]]:
    """The flags a new response earns, as (code, reason); read inside the submit transaction."""
    flags: list[tuple[str, str]] = []
    window_start = now - rules.burst_window
    minutes = int(rules.burst_window.total_seconds() // 60)
    if origin.device_hash and channel != "kiosk":
        recent = session.scalar(
            select(func.count()).where(
                Response.device_hash == origin.device_hash, Response.submitted_at >= window_start
            )
        )
        if recent + 1 >= rules.burst_device_count:
            flags.append(("burst", f"response {recent + 1} from the same device within {minutes} minutes"))
    if origin.ip_hash and counter_id is not None and channel != "kiosk" and not flags:
        recent = session.scalar(
            select(func.count()).where(
                Response.ip_hash == origin.ip_hash,
                Response.counter_id == counter_id,
                Response.submitted_at >= window_start,
            )
        )
        if recent + 1 >= rules.burst_ip_count:
            flags.append(
                (
                    "burst",
                    f"response {recent + 1} from the same network address at this counter within {minutes} minutes",
                )
            )
    networks_text, hours_text = unit_settings(session, unit_id)
    if origin.ip and channel != "kiosk" and networks_text:
        try:
            address = ipaddress.ip_address(origin.ip)
        except ValueError:
            address = None
        for network in parse_networks(networks_text):
            if address is not None and address.version == network.version and address in network:
                flags.append(("internal_network", f"sent from the unit's staff network {network}"))
                break
    if channel in ("counter", "kiosk") and hours_text:
        local = now.astimezone(ZoneInfo(rules.timezone))
        if not within_hours(parse_hours(hours_text), local, rules.off_hours_grace):
            flags.append(("off_hours", f"sent at {local:%a %H:%M} local time, outside opening hours ({hours_text})"))
    if origin.device_hash and channel != "kiosk" and not any(code == "burst" for code, _ in flags):
        earlier = session.scalar(
            select(func.count()).where(
                Response.device_hash == origin.device_hash,
                Response.unit_id == unit_id,
                Response.submitted_at >= now - rules.repeat_window,
            )
        )
        if earlier:
            hours = int(rules.repeat_window.total_seconds() // 3600)
            flags.append(("repeat_device", f"this device already responded at this unit within {hours} hours"))
    if channel == "kiosk" and origin.kiosk_device_id is not None:
        last = session.scalar(
            select(func.max(Response.submitted_at)).where(Response.kiosk_device_id == origin.kiosk_device_id)
        )
        if last is not None and now - last < rules.kiosk_min_interval:
            seconds = (now - last).total_seconds()
            flags.append(
                (
                    "kiosk_interval",
                    f"{seconds:.1f} s after the previous kiosk response "
                    f"(minimum {rules.kiosk_min_interval.total_seconds():.0f} s)",
                )
            )
    return flags
