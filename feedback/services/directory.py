"""Loading an organisation from CSV files: all-or-nothing, idempotent upsert by code.

Every problem is reported as file, line and column, and when there is any problem nothing
is written. Text is normalised to Unicode NFC so that names typed on different Vietnamese
keyboards compare equal.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Counter, Service, Staff, Unit
from feedback.services.integrity import SettingError, parse_hours, parse_networks

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ERRORS = 100
TRUE_WORDS = {"1", "true", "yes", "y", "có", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "không"}


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    limits: dict[str, int]
    extra: tuple[str, ...] = ()  # optional columns beyond SPEC §5's


KINDS = {
    "units": Kind(
        "units",
        ("code", "name_vi", "name_en", "parent_code", "kind"),
        ("code", "name_vi"),
        {"name_vi": 255, "name_en": 255, "kind": 40, "internal_networks": 1000, "opening_hours": 500},
        extra=("internal_networks", "opening_hours"),
    ),
    "counters": Kind(
        "counters",
        ("code", "unit_code", "label_vi", "label_en"),
        ("code", "unit_code", "label_vi"),
        {"label_vi": 255, "label_en": 255},
    ),
    "staff": Kind(
        "staff",
        ("code", "full_name", "unit_code", "position", "email"),
        ("code", "full_name", "unit_code"),
        {"full_name": 255, "position": 255, "email": 255},
    ),
    "services": Kind(
        "services",
        ("code", "name_vi", "name_en", "field"),
        ("code", "name_vi"),
        {"name_vi": 500, "name_en": 500, "field": 255},
    ),
}
OPTIONAL_COLUMNS = ("active",)
ORDER = ("units", "services", "counters", "staff")


@dataclass(frozen=True)
class RowError:
    """One problem of an import file. ``message`` is English (the CLI prints it); ``code`` and ``params``
    let a web page say it in the reader's language."""

    file: str
    line: int
    column: str | None
    message: str
    code: str | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"{self.file}, line {self.line}{column}: {self.message}"


class DirectoryImportError(Exception):
    """The files have problems; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file, e.line))
        super().__init__(f"{len(errors)} problem(s); nothing was imported")


@dataclass
class Row:
    line: int
    values: dict[str, str]
    active: bool | None


@dataclass
class Parsed:
    file: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class ImportSummary:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def line(self) -> str:
        parts = []
        for kind in ORDER:
            if kind in self.counts:
                c = self.counts[kind]
                parts.append(f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged")
        return "; ".join(parts)


def _clean(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def parse_csv(kind: Kind, name: str, data: bytes, errors: list[RowError]) -> Parsed:
    """Read one CSV file (UTF-8, with or without BOM) and check each row on its own."""
    parsed = Parsed(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(RowError(name, line, None, "the file is not UTF-8 text; save it as “CSV UTF-8”", "csv.encoding"))
        return parsed
    if "\x00" in text:
        errors.append(RowError(name, 1, None, "the file holds binary data, not CSV text", "csv.binary"))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        errors.append(RowError(name, 1, None, f"unreadable header row ({exc})", "csv.header"))
        return parsed
    if header is None or not any(h.strip() for h in header):
        columns = ",".join(kind.columns)
        message = f"the file is empty; expected a header row: {columns}"
        errors.append(RowError(name, 1, None, message, "csv.empty", {"columns": columns}))
        return parsed
    header = [_clean(h).lower() for h in header]
    allowed = set(kind.columns) | set(kind.extra) | set(OPTIONAL_COLUMNS)
    for column in header:
        if column not in allowed:
            errors.append(
                RowError(
                    name,
                    1,
                    column or "(empty)",
                    f"unknown column; expected {','.join(kind.columns)} (and optionally active)",
                    "csv.unknown_column",
                    {"columns": ",".join(kind.columns)},
                )
            )
    for column in kind.required:
        if column not in header:
            errors.append(
                RowError(name, 1, column, "required column is missing from the header row", "csv.missing_column")
            )
    if len(set(header)) != len(header):
        errors.append(RowError(name, 1, None, "a column appears twice in the header row", "csv.duplicate_column"))
    if any(e.file == name for e in errors):
        return parsed
    seen: dict[str, int] = {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(name, reader.line_num, None, f"malformed CSV ({exc})", "csv.malformed"))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines are allowed
        if len(cells) != len(header):
            message = f"expected {len(header)} values, found {len(cells)}"
            errors.append(
                RowError(name, line, None, message, "csv.values", {"expected": len(header), "found": len(cells)})
            )
            continue
        values = {h: _clean(c) for h, c in zip(header, cells, strict=True)}
        row_ok = True
        for column in kind.required:
            if not values.get(column):
                errors.append(RowError(name, line, column, "a value is required", "value.required"))
                row_ok = False
        code = values.get("code", "")
        if code and not CODE_RE.match(code):
            errors.append(
                RowError(
                    name,
                    line,
                    "code",
                    "use 1-40 letters, digits, '.', '-' or '_' (no spaces), starting with a letter or digit",
                    "value.code",
                )
            )
            row_ok = False
        for column in ("parent_code", "unit_code"):
            if values.get(column) and not CODE_RE.match(values[column]):
                errors.append(RowError(name, line, column, "not a valid code", "value.code"))
                row_ok = False
        for column, limit in kind.limits.items():
            if len(values.get(column, "")) > limit:
                errors.append(
                    RowError(name, line, column, f"longer than {limit} characters", "value.length", {"max": limit})
                )
                row_ok = False
        for column, check in (("internal_networks", parse_networks), ("opening_hours", parse_hours)):
            if values.get(column):
                try:
                    check(values[column])
                except SettingError as exc:
                    errors.append(RowError(name, line, column, str(exc), f"value.{column}"))
                    row_ok = False
        if values.get("email") and not EMAIL_RE.match(values["email"]):
            errors.append(RowError(name, line, "email", "not an email address", "value.email"))
            row_ok = False
        active = None
        if "active" in values and values["active"] != "":
            word = values["active"].lower()
            if word in TRUE_WORDS:
                active = True
            elif word in FALSE_WORDS:
                active = False
            else:
                errors.append(RowError(name, line, "active", "use 1 or 0", "value.active"))
                row_ok = False
        if code and code in seen:
            message = f"code {code} already appears on line {seen[code]}"
            errors.append(RowError(name, line, "code", message, "value.repeated", {"code": code, "first": seen[code]}))
            row_ok = False
        if code:
            seen.setdefault(code, line)
        if row_ok:
            parsed.rows.append(Row(line, values, active))
        if len(errors) >= MAX_ERRORS:
            break
    return parsed


def import_directory(session: Session, files: dict[str, tuple[str, bytes]]) -> ImportSummary:
    """Check then upsert the given files (``kind -> (file name, bytes)``) in one transaction.

    Raises DirectoryImportError listing every problem found; in that case nothing is written.
    """
    unknown = set(files) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown directory kinds: {', '.join(sorted(unknown))}")
    errors: list[RowError] = []
    parsed = {kind: parse_csv(KINDS[kind], name, data, errors) for kind, (name, data) in files.items()}
    with write_transaction(session):
        _check_references(session, parsed, errors)
        if errors:
            raise DirectoryImportError(errors)
        summary = ImportSummary()
        if "units" in parsed:
            summary.counts["units"] = _upsert_units(session, parsed["units"], errors)
        if "services" in parsed:
            summary.counts["services"] = _upsert_simple(
                session, Service, parsed["services"], ("name_vi", "name_en", "field")
            )
        units = {u.code: u.id for u in session.scalars(select(Unit))}
        if "counters" in parsed:
            summary.counts["counters"] = _upsert_with_unit(
                session, Counter, parsed["counters"], units, ("label_vi", "label_en")
            )
        if "staff" in parsed:
            summary.counts["staff"] = _upsert_with_unit(
                session, Staff, parsed["staff"], units, ("full_name", "position", "email")
            )
        if errors:
            raise DirectoryImportError(errors)  # rolls the transaction back
    return summary


def _check_references(session: Session, parsed: dict[str, Parsed], errors: list[RowError]) -> None:
    existing = set(session.scalars(select(Unit.code)))
    in_file = {row.values["code"] for row in parsed["units"].rows} if "units" in parsed else set()
    known = existing | in_file
    if "units" in parsed:
        for row in parsed["units"].rows:
            parent = row.values.get("parent_code", "")
            if parent and parent not in known:
                errors.append(
                    RowError(
                        parsed["units"].file,
                        row.line,
                        "parent_code",
                        f"no unit with code {parent}",
                        "ref.unit",
                        {"unit": parent},
                    )
                )
            if parent and parent == row.values["code"]:
                errors.append(
                    RowError(
                        parsed["units"].file,
                        row.line,
                        "parent_code",
                        "a unit cannot be its own parent",
                        "ref.own_parent",
                    )
                )
    for kind in ("counters", "staff"):
        if kind in parsed:
            for row in parsed[kind].rows:
                if row.values["unit_code"] not in known:
                    unit_code = row.values["unit_code"]
                    errors.append(
                        RowError(
                            parsed[kind].file,
                            row.line,
                            "unit_code",
                            f"no unit with code {unit_code}",
                            "ref.unit",
                            {"unit": unit_code},
                        )
                    )


def _apply(obj, values: dict[str, str], fields: tuple[str, ...], active: bool | None) -> bool:  # noqa: ANN001
    changed = False
    for name in fields:
        value = values.get(name)
        if value is None:  # the column is not in the file: keep what is stored
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if active is not None and obj.active != active:
        obj.active = active
        changed = True
    return changed


def _tally(counts: dict[str, int], created: bool, changed: bool) -> None:
    counts["created" if created else "updated" if changed else "unchanged"] += 1


def _upsert_units(session: Session, parsed: Parsed, errors: list[RowError]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    fields = ("name_vi", "name_en", "kind")
    settings = ("internal_networks", "opening_hours")
    touched: list[tuple[Row, Unit, bool, bool]] = []
    for row in parsed.rows:
        unit = by_code.get(row.values["code"])
        created = unit is None
        if created:
            unit = Unit(code=row.values["code"], name_vi="", name_en="", kind="", active=True)
            session.add(unit)
            by_code[unit.code] = unit
        changed = _apply(unit, row.values, fields, row.active)
        for column in settings:  # an empty cell means "inherit from the parent unit"
            if column in row.values and getattr(unit, column) != (row.values[column] or None):
                setattr(unit, column, row.values[column] or None)
                changed = True
        touched.append((row, unit, created, changed))
    session.flush()
    parent_of = {code: u.parent_id for code, u in by_code.items()}
    id_to_code = {u.id: code for code, u in by_code.items()}
    for row, unit, created, changed in touched:
        if "parent_code" in row.values:
            parent_code = row.values["parent_code"]
            parent_id = by_code[parent_code].id if parent_code else None
            if unit.parent_id != parent_id:
                unit.parent_id = parent_id
                parent_of[unit.code] = parent_id
                changed = True
        _tally(counts, created, changed)
    # A parent change must not close a loop anywhere in the tree.
    for row, unit, _created, _changed in touched:
        seen, code = set(), unit.code
        while code is not None:
            if code in seen:
                errors.append(
                    RowError(
                        parsed.file,
                        row.line,
                        "parent_code",
                        "this parent would make a loop in the unit tree",
                        "ref.loop",
                    )
                )
                break
            seen.add(code)
            parent_id = parent_of.get(code)
            code = id_to_code.get(parent_id) if parent_id is not None else None
    session.flush()
    return counts


def _upsert_simple(session: Session, model, parsed: Parsed, fields: tuple[str, ...]) -> dict[str, int]:  # noqa: ANN001
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_code = {o.code: o for o in session.scalars(select(model))}
    for row in parsed.rows:
        obj = by_code.get(row.values["code"])
        created = obj is None
        if created:
            obj = model(code=row.values["code"], **dict.fromkeys(fields, ""), active=True)
            session.add(obj)
        _tally(counts, created, _apply(obj, row.values, fields, row.active))
    session.flush()
    return counts


def _upsert_with_unit(
    session: Session, model, parsed: Parsed, units: dict[str, int], fields: tuple[str, ...]
) -> dict[str, int]:  # noqa: ANN001, E501
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_code = {o.code: o for o in session.scalars(select(model))}
    for row in parsed.rows:
        obj = by_code.get(row.values["code"])
        created = obj is None
        unit_id = units[row.values["unit_code"]]
        if created:
            obj = model(code=row.values["code"], unit_id=unit_id, **dict.fromkeys(fields, ""), active=True)
            session.add(obj)
        changed = _apply(obj, row.values, fields, row.active)
        if obj.unit_id != unit_id:
            obj.unit_id = unit_id
            changed = True
        _tally(counts, created, changed)
    session.flush()
    return counts


def read_files(paths: dict[str, str]) -> dict[str, tuple[str, bytes]]:
    """Read the named files for ``import_directory``; raise DirectoryImportError for one that cannot be read."""
    files, errors = {}, []
    for kind, path in paths.items():
        try:
            files[kind] = (Path(path).name, Path(path).read_bytes())
        except OSError as exc:
            errors.append(RowError(path, 0, None, f"cannot read the file ({exc.strerror})"))
    if errors:
        raise DirectoryImportError(errors)
    return files
