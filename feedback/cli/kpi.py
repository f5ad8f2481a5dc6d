"""``kpi export|rebuild|rules`` and ``responses exclude|restore|export``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from feedback.db import write_transaction
from feedback.extensions import db
from feedback.models import Response, Unit
from feedback.services import exports, summaries
from feedback.services.audit import audit
from feedback.services.errors import FeedbackError
from feedback.services.feed import FEED_COLUMNS, feed_rows
from feedback.services.kpi import GROUPINGS, kpi_report
from feedback.services.kpi_rules import change_rules, current_rules
from feedback.services.moderation import exclude_response, restore_response

ACTOR = "cli"


class Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


def _root_unit(code: str | None) -> int:
    if code:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
        if unit_id is None:
            raise click.ClickException(f"no unit with code {code!r}")
        return unit_id
    roots = db.session.scalars(select(Unit.id).where(Unit.parent_id.is_(None))).all()
    if len(roots) != 1:
        raise click.ClickException("give --unit: the directory has no single root unit")
    return roots[0]


@click.group("kpi", help="KPI figures, exports and rules.")
def kpi_group() -> None:
    pass


@kpi_group.command("export")
@click.option("--from", "start", required=True, type=Day())
@click.option("--to", "end", required=True, type=Day())
@click.option("--group-by", required=True, type=click.Choice(GROUPINGS))
@click.option("--unit", "unit_code", help="the unit subtree (default: the root unit)")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(start: date, end: date, group_by: str, unit_code: str | None, fmt: str, output: str) -> None:
    """Write the KPI for a period, as the API's format=csv|xlsx|json gives it."""
    rules = current_rules(db.session)
    try:
        report = kpi_report(
            db.session,
            scope_unit_id=_root_unit(unit_code),
            date_from=start,
            date_to=end,
            group_by=group_by,
            rules=rules,
        )
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        body = exports.kpi_csv(report)
    elif fmt == "xlsx":
        body = exports.kpi_xlsx(report)
    else:
        body = json.dumps(exports.kpi_document(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(output, "wb") as handle:
        handle.write(body)
    with write_transaction(db.session):
        audit(db.session, ACTOR, "export.kpi", output, group_by=group_by, period=f"{start}..{end}", format=fmt)
    click.echo(f"{output}: {len(report.rows)} rows, rules version {rules.version}, sha256 {exports.digest(body)}")


@kpi_group.command("rebuild")
@click.option("--from", "start", type=Day(), help="first local day (default: the first response)")
@click.option("--to", "end", type=Day(), help="last local day (default: the last response)")
@with_appcontext
def rebuild_command(start: date | None, end: date | None) -> None:
    """Recompute the daily and monthly summaries from the responses, for the whole months holding a range of days."""
    if start and end and end < start:
        raise click.ClickException("--to is before --from")
    start, end = summaries.whole_months(start, end)
    with write_transaction(db.session):
        read, rows = summaries.rebuild(db.session, start, end, tz=current_app.config["FEEDBACK_TIMEZONE"])
        audit(db.session, ACTOR, "kpi.rebuild", f"{start or 'start'}..{end or 'end'}", responses=read)
    click.echo(f"rebuilt {start or 'start'}..{end or 'end'}: {read} responses read, {rows} summary rows written")


@kpi_group.group("rules", help="The KPI rules (versioned; every change audited).")
def rules_group() -> None:
    pass


@rules_group.command("show")
@with_appcontext
def rules_show() -> None:
    click.echo(json.dumps(current_rules(db.session).to_dict(), ensure_ascii=False, indent=2))


@rules_group.command("set")
@click.option("--weights", help="dimension=weight,…  e.g. overall=2,attitude=1 (others keep weight 1)")
@click.option("--prior-weight", "prior_weight", type=float, help="m, the weight of the parent's index")
@click.option("--min-n", "min_n", type=int, help="fewer valid responses than this: insufficient_data")
@click.option("--bands", help='thresholds and words: "90=Hoàn thành xuất sắc nhiệm vụ;80=…;50=…"')
@click.option("--below-band", help="the words below the lowest threshold")
@click.option("--count-flagged/--no-count-flagged", default=None, help="whether flagged responses count")
@click.option("--note", default="", help="why the rules change (kept with the version)")
@with_appcontext
def rules_set(weights, prior_weight, min_n, bands, below_band, count_flagged, note) -> None:  # noqa: ANN001
    """Make a new rules version from the current one with the changes given."""
    changes: dict = {}
    try:
        if weights:
            changes["weights"] = {k.strip(): float(v) for k, v in (p.split("=", 1) for p in weights.split(","))}
        if bands:
            changes["bands"] = [
                {"min": float(t), "label": w.strip()} for t, w in (p.split("=", 1) for p in bands.split(";"))
            ]
    except ValueError:
        raise click.BadParameter("use name=number pairs, e.g. overall=2,attitude=1 or 90=…;80=…") from None
    for name, value in (
        ("prior_weight", prior_weight),
        ("min_n", min_n),
        ("below_band", below_band),
        ("count_flagged", count_flagged),
    ):
        if value is not None:
            changes[name] = value
    if not changes:
        raise click.UsageError("nothing to change")
    try:
        rules = change_rules(db.session, changes, ACTOR, note)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"KPI rules version {rules.version}")


@click.group("responses", help="Responses: exclude, restore, export.")
def responses_group() -> None:
    pass


@responses_group.command("exclude")
@click.argument("receipt")
@click.option("--reason", required=True, help="why it must not count (kept, audited)")
@with_appcontext
def exclude_command(receipt: str, reason: str) -> None:
    try:
        response = exclude_response(db.session, receipt, reason, ACTOR, tz=current_app.config["FEEDBACK_TIMEZONE"])
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"excluded {response.receipt}")


@responses_group.command("restore")
@click.argument("receipt")
@with_appcontext
def restore_command(receipt: str) -> None:
    try:
        response = restore_response(db.session, receipt, ACTOR, tz=current_app.config["FEEDBACK_TIMEZONE"])
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {response.receipt}")


# Responses per page of the export: memory stays flat at about this many rows, whatever the period.
EXPORT_PAGE = 1000


@responses_group.command("export")
@click.option("--from", "start", required=True, type=Day())
@click.option("--to", "end", required=True, type=Day())
@click.option("--unit", "unit_code", help="the unit subtree (default: the root unit)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def responses_export(start: date, end: date, unit_code: str | None, output: str) -> None:
    """Write every response submitted in the period as CSV (UTF-8 with BOM), streamed in pages."""
    if end < start:
        raise click.ClickException("--to is before --from")
    zone = ZoneInfo(current_app.config["FEEDBACK_TIMEZONE"])
    low = datetime.combine(start, time.min, zone).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    root = _root_unit(unit_code)
    count = 0
    with open(output, "w", encoding="utf-8", newline="") as handle:
        header = [c for c in FEED_COLUMNS if c != "answers"] + ["answers"]
        writer = exports.csv_lines(header, [])
        handle.write(next(writer))
        first_id, last_id = db.session.execute(
            select(func.min(Response.id), func.max(Response.id)).where(
                Response.submitted_at >= low, Response.submitted_at < high
            )
        ).one()
        window = (first_id - 1, first_id - 1 + EXPORT_PAGE) if first_id is not None else None
        while window is not None and window[0] < last_id:
            page = feed_rows(
                db.session,
                scope_unit_id=root,
                submitted_from=low,
                submitted_to=high,
                id_window=window,
            )
            window = (window[1], window[1] + EXPORT_PAGE)
            lines = exports.csv_lines(header, (_flat(item, header) for item in page))
            next(lines)  # the header was written once above
            for line in lines:
                handle.write(line)
            count += len(page)
            db.session.expunge_all()
    with write_transaction(db.session):
        audit(db.session, ACTOR, "export.responses", output, period=f"{start}..{end}", rows=count)
    click.echo(f"{output}: {count} responses")


def _flat(item: dict, header: list[str]) -> list:
    values = []
    for column in header:
        value = item.get(column)
        if column == "flags":
            value = " ".join(value)
        elif column == "answers":
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        values.append(value)
    return values
