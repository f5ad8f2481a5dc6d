"""The manager workspace: the satisfaction of the user's unit subtree, from the KPI engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from feedback.extensions import db
from feedback.forms.base import NormalisedForm
from feedback.kpi.metrics import INSUFFICIENT, KpiRules, round1
from feedback.models import Response as ResponseRow
from feedback.models import Staff, Unit
from feedback.models.case import CASE_STATES
from feedback.models.response import CHANNELS
from feedback.services import actions, cases
from feedback.services.browse import PAGE, Filters, list_responses, response_in_scope
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.focus import CHANNEL_ORDER, KINDS, Narrowed, choices, narrow
from feedback.services.kpi import (
    DIMENSION_ORDER,
    EARLIEST,
    GROUPINGS,
    LATEST,
    MAX_DAYS,
    KpiRow,
    channel_rows,
    kpi_report,
)
from feedback.services.kpi_rules import current_rules
from feedback.services.mail import MailSettings, send_mail
from feedback.services.moderation import REASON_MAX, exclude_response, restore_response
from feedback.services.trends import distribution, month_of, monthly, week_of, weekly
from feedback.web.access import READERS, roles_required, scope_unit_id
from feedback.web.messages import case_reason, error_message

bp = Blueprint("manage", __name__, url_prefix="/manage")
TREND_WEEKS = 12
TREND_MONTHS = 12
bp.add_app_template_filter(case_reason, "case_reason")


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["FEEDBACK_TIMEZONE"])).date()


def _period() -> tuple[date, date, str | None]:
    """The period asked for in the query string, or the last 30 days with a note of what was wrong."""
    end_default = _today()
    start_default = end_default - timedelta(days=29)
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    if not raw_from and not raw_to:
        return start_default, end_default, None
    try:
        start = date.fromisoformat(raw_from or "")
        end = date.fromisoformat(raw_to or "")
    except ValueError:
        return start_default, end_default, _("Ngày không hợp lệ; đang hiển thị 30 ngày gần nhất.")
    if end < start or (end - start).days > MAX_DAYS or start < EARLIEST or end > LATEST:
        return start_default, end_default, _("Khoảng thời gian không hợp lệ; đang hiển thị 30 ngày gần nhất.")
    return start, end, None


FLAG_CHOICES = ("include", "exclude")


def _flag_rules(rules: KpiRules) -> tuple[KpiRules, str | None]:
    """The KPI rules with the page's choice about flagged responses, if it made one."""
    flags = request.args.get("flags")
    if flags not in FLAG_CHOICES:
        return rules, None
    return replace(rules, count_flagged=flags == "include"), flags


def _kind_names() -> dict[str, str]:
    return {
        "unit": _("đơn vị"),
        "counter": _("quầy"),
        "staff": _("cán bộ"),
        "service": _("thủ tục"),
        "channel": _("kênh"),
    }


def channel_name(channel: str) -> str:
    """How a response reached us, in the reader's language (the stored value if it is not a known channel)."""
    names = {
        "counter": _("Mã QR tại quầy"),
        "ticket": _("Mã QR trên biên nhận"),
        "kiosk": _("Máy tính bảng tại quầy"),
    }
    return names.get(channel, channel)


bp.add_app_template_filter(channel_name, "channel_name")


def _named(kind: str, code: str) -> str:
    """A filter as the notes name it: "quầy QA1", "kênh Mã QR tại quầy"."""
    return f"{_kind_names()[kind]} {channel_name(code) if kind == 'channel' else code}"


def _filter_notes(narrowed: Narrowed) -> list[str]:
    """What the page says about filters it could not apply, never silently dropping one."""
    notes = []
    unknown = {
        "unit": lambda code: _(
            "Không tìm thấy đơn vị “%(code)s” trong phạm vi của anh/chị; đang hiển thị toàn bộ phạm vi.", code=code
        ),
        "counter": lambda code: _(
            "Không tìm thấy quầy “%(code)s” trong các đơn vị đang xem; số liệu không lọc theo quầy.", code=code
        ),
        "staff": lambda code: _(
            "Không tìm thấy cán bộ “%(code)s” trong các đơn vị đang xem; số liệu không lọc theo cán bộ.", code=code
        ),
        "service": lambda code: _(
            "Không tìm thấy thủ tục “%(code)s” có phiếu trong các đơn vị và khoảng thời gian đang xem; "
            "số liệu không lọc theo thủ tục.",
            code=code,
        ),
        "channel": lambda code: _("Không có kênh “%(code)s”; số liệu không lọc theo kênh.", code=code),
    }
    for kind, code in narrowed.unknown:
        notes.append(unknown[kind](code))
    if narrowed.ignored:
        ignored = ", ".join(_named(kind, code) for kind, code in narrowed.ignored)
        if narrowed.kind:
            notes.append(
                _(
                    "Số liệu tổng hợp chỉ lọc được theo một trong bốn, theo thứ tự ưu tiên: quầy, cán bộ, "
                    "thủ tục, kênh. Đang lọc theo %(applied)s; đã bỏ qua: %(ignored)s.",
                    applied=_named(narrowed.kind, narrowed.code),
                    ignored=ignored,
                )
            )
        else:
            notes.append(
                _(
                    "Số liệu tổng hợp chỉ lọc được theo một trong bốn, theo thứ tự ưu tiên: quầy, cán bộ, "
                    "thủ tục, kênh; đã bỏ qua: %(ignored)s.",
                    ignored=ignored,
                )
            )
    return notes


def _empty_row(key: str, name: str) -> KpiRow:
    return KpiRow(key, name, 0, None, None, None, None, 0, 0)


@bp.get("/")
@roles_required(*READERS, "staff")
def dashboard():  # noqa: ANN201
    if current_user.role == "staff":
        return redirect(url_for("manage.my_scores"))
    start, end, note = _period()
    group_by = request.args.get("group_by", "counter")
    if group_by not in GROUPINGS:
        group_by = "counter"
    kpi_rules = current_rules(db.session)
    rules, flags = _flag_rules(kpi_rules)
    scope = scope_unit_id()
    args = request.args
    narrowed = narrow(
        db.session,
        scope,
        start,
        end,
        unit=args.get("unit"),
        counter=args.get("counter"),
        staff=args.get("staff"),
        service=args.get("service"),
        channel=args.get("channel"),
    )
    unit = narrowed.unit

    def report(grouping: str):  # noqa: ANN202
        return kpi_report(
            db.session,
            scope_unit_id=scope,
            date_from=start,
            date_to=end,
            group_by=grouping,
            rules=rules,
            unit_code=unit.code,
        )

    table = report(group_by)
    if narrowed.kind == "channel":
        channels = channel_rows(db.session, unit_id=unit.id, date_from=start, date_to=end, rules=rules)
        summary = channels.get(narrowed.code) or _empty_row(narrowed.code, narrowed.code)
    else:
        summary_by = narrowed.kind or "unit"
        key = narrowed.code or unit.code
        summary_rows = table.rows if summary_by == group_by else report(summary_by).rows
        summary = next((r for r in summary_rows if r.key == key), None) or _empty_row(key, narrowed.name or "")
    ranked = sorted(
        (r for r in table.rows if r.band != INSUFFICIENT and r.adjusted is not None), key=lambda r: -r.adjusted
    )
    unranked = [r for r in table.rows if r not in ranked]
    weeks = weekly(db.session, narrowed.focus, end, TREND_WEEKS, rules)
    months = monthly(db.session, narrowed.focus, end, TREND_MONTHS, rules)
    spread = distribution(db.session, narrowed.focus, start, end, rules)
    week_marks: dict[date, list[str]] = {}
    month_marks: dict[date, list[str]] = {}
    for action in actions.list_actions(db.session, unit.id):
        week_marks.setdefault(week_of(action.starts_on), []).append(action.title)
        month_marks.setdefault(month_of(action.starts_on), []).append(action.title)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    # The responses behind the figures: the same period, unit, group and treatment of flagged responses.
    drill = {**period, **narrowed.args(), **({} if rules.count_flagged else {"flags": "exclude"})}
    # The table is not narrowed to a counter, staff member, service or channel: its rows' links name their
    # own group only.
    row_args = {k: v for k, v in drill.items() if k not in (*KINDS, "channel")}
    page_args = {**period, **narrowed.args(), **({"flags": flags} if flags else {})}
    return render_template(
        "manage/dashboard.html",
        unit=unit,
        scope_unit=db.session.get(Unit, scope),
        narrowed=narrowed,
        notes=([note] if note else []) + _filter_notes(narrowed),
        choices=choices(db.session, scope, unit.id, start, end),
        channels=CHANNEL_ORDER,
        kind_names=_kind_names(),
        flags=flags,
        kpi_counts_flagged=kpi_rules.count_flagged,
        start=start,
        end=end,
        group_by=group_by,
        groupings=GROUPINGS,
        summary=summary,
        ranked=ranked,
        unranked=unranked,
        dimensions=table.dimensions,
        weeks=weeks,
        months=months,
        week_marks=week_marks,
        month_marks=month_marks,
        spread=spread,
        rules=rules,
        drill=drill,
        row_args=row_args,
        page_args=page_args,
        r1=round1,
        insufficient=INSUFFICIENT,
    )


@bp.get("/me")
@roles_required("staff", *READERS)
def my_scores():  # noqa: ANN201
    """A staff member's own scores, month by month: aggregates only, never an individual response."""
    staff = db.session.get(Staff, current_user.data.staff_id) if current_user.data.staff_id else None
    if staff is None:
        return render_template("manage/my_scores.html", staff=None, months=[]), 200
    rules = current_rules(db.session)
    today = _today()
    months = []
    first = today.replace(day=1)
    for _i in range(6):
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        report = kpi_report(
            db.session,
            scope_unit_id=staff.unit_id,
            date_from=first,
            date_to=min(last, today),
            group_by="staff",
            rules=rules,
        )
        row = next((r for r in report.rows if r.key == staff.code), None)
        months.append((first, row))
        first = (first - timedelta(days=1)).replace(day=1)
    return render_template(
        "manage/my_scores.html", staff=staff, months=months, r1=round1, insufficient=INSUFFICIENT
    ), 200


class ExcludeForm(NormalisedForm):
    reason = StringField(validators=[DataRequired(), Length(max=500)])


def _filters(start: date, end: date) -> Filters:
    args = request.args

    def code(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value[:40] or None

    status = args.get("status")
    channel = (args.get("channel") or "").strip()
    flags = args.get("flags")
    if flags not in ("only", "exclude"):
        # "flagged=1" is how the page asked for flagged responses before it offered leaving them out.
        flags = "only" if args.get("flagged") == "1" else None
    return Filters(
        start=start,
        end=end,
        unit=code("unit"),
        counter=code("counter"),
        staff=code("staff"),
        service=code("service"),
        channel=channel if channel in CHANNELS else None,
        text=(args.get("q") or "")[:200] or None,
        flags=flags,
        status=status if status in ("valid", "excluded") else None,
    )


@bp.get("/responses")
@roles_required(*READERS)
def responses():  # noqa: ANN201
    """The responses behind the figures, newest first; comments searchable without accents."""
    start, end, note = _period()
    filters = _filters(start, end)
    before = request.args.get("before", "")
    rows = list_responses(
        db.session,
        scope_unit_id(),
        filters,
        current_app.config["FEEDBACK_TIMEZONE"],
        before_id=int(before) if before.isdigit() and len(before) < 12 else None,
    )
    more = dict(request.args)
    more["before"] = str(rows[-1].id) if rows else ""
    return render_template(
        "manage/responses.html",
        rows=rows,
        filters=filters,
        active=[(name, getattr(filters, name)) for name in ("unit", *KINDS, "channel") if getattr(filters, name)],
        note=note,
        form=ExcludeForm(),
        can_moderate=current_user.role in ("admin", "manager"),
        next_page=more if len(rows) == PAGE else None,
        tz=current_app.config["FEEDBACK_TIMEZONE"],
    )


def _moderate(receipt: str, act):  # noqa: ANN001, ANN202
    if not response_in_scope(db.session, scope_unit_id(), receipt):
        abort(404)
    back = _safe_back()
    form = ExcludeForm()
    try:
        act(form)
    except (InvalidInput, NotFound) as exc:
        flash(error_message(exc))
    return redirect(back, code=303)


def _safe_back() -> str:
    target = request.form.get("back", "")
    return target if target.startswith("/manage/") and not target.startswith("//") else url_for("manage.responses")


@bp.post("/responses/<receipt>/exclude")
@roles_required("admin", "manager")
def exclude(receipt: str):  # noqa: ANN201
    def act(form: ExcludeForm) -> None:
        if not form.validate_on_submit():
            raise InvalidInput("a reason is required to exclude a response", code="exclude.reason", max=REASON_MAX)
        exclude_response(
            db.session, receipt, form.reason.data, current_user.data.email, tz=current_app.config["FEEDBACK_TIMEZONE"]
        )

    return _moderate(receipt, act)


@bp.post("/responses/<receipt>/restore")
@roles_required("admin", "manager")
def restore(receipt: str):  # noqa: ANN201
    def act(form: ExcludeForm) -> None:
        restore_response(db.session, receipt, current_user.data.email, tz=current_app.config["FEEDBACK_TIMEZONE"])

    return _moderate(receipt, act)


class CaseForm(NormalisedForm):
    """One form for every case action; the view checks what each action needs."""

    action = StringField()
    assignee = StringField(validators=[Length(max=255)])
    due_on = StringField(validators=[Length(max=10)])
    text = StringField(validators=[Length(max=4000)])


@bp.get("/cases")
@roles_required(*READERS)
def case_list():  # noqa: ANN201
    state = request.args.get("state")
    rows = cases.list_cases(db.session, scope_unit_id(), _today(), state if state in CASE_STATES else None)
    return render_template(
        "manage/cases.html", rows=rows, state=state, states=CASE_STATES, overdue=sum(1 for r in rows if r.overdue)
    )


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def case_detail(case_id: int):  # noqa: ANN201
    case = cases.case_in_scope(db.session, scope_unit_id(), case_id)
    if case is None:
        abort(404)
    form = CaseForm()
    if request.method == "POST":
        if current_user.role not in ("admin", "manager"):
            abort(403)
        if form.validate_on_submit():
            actor = current_user.data.email
            try:
                _case_action(case_id, form, actor)
            except (InvalidInput, NotFound) as exc:
                flash(error_message(exc))
            return redirect(url_for("manage.case_detail", case_id=case_id), code=303)
        flash(_("Biểu mẫu không hợp lệ. Vui lòng tải lại trang."))
    case = cases.case_in_scope(db.session, scope_unit_id(), case_id)
    response = db.session.get(ResponseRow, case.response_id)
    contact = cases.contact_for(db.session, case) if current_user.role in ("admin", "manager") else None
    return render_template(
        "manage/case.html",
        case=case,
        response=response,
        contact=contact,
        form=form,
        users=cases.assignable_users(db.session, case.unit_id),
        can_act=current_user.role in ("admin", "manager"),
        overdue=case.state in cases.OPEN_STATES and case.due_on < _today(),
        tz=current_app.config["FEEDBACK_TIMEZONE"],
    )


def _case_action(case_id: int, form: CaseForm, actor: str) -> None:
    action = form.action.data
    scope = scope_unit_id()
    if action == "assign":
        user = cases.assign(db.session, case_id, scope, form.assignee.data or "", actor)
        link = current_app.config["FEEDBACK_PUBLIC_URL"] + url_for("manage.case_detail", case_id=case_id)
        send_mail(
            MailSettings.from_config(current_app.config),
            user.email,
            f"Phản ánh cần xử lý #{case_id}",
            f"{actor} đã giao cho anh/chị xử lý phản ánh #{case_id}.\n\nXem và xử lý: {link}\n",
        )
    elif action == "due":
        try:
            due = date.fromisoformat(form.due_on.data or "")
        except ValueError:
            raise InvalidInput("not a date", code="date.invalid") from None
        cases.set_due(db.session, case_id, scope, due, actor)
    elif action == "note":
        cases.add_note(db.session, case_id, scope, form.text.data or "", actor)
    elif action in ("resolved", "dismissed"):
        cases.close(db.session, case_id, scope, action, form.text.data or "", actor)
    else:
        raise InvalidInput(f"unknown case action {action!r}", code="case.action")


class ActionForm(NormalisedForm):
    unit = StringField(validators=[DataRequired(), Length(max=40)])
    title = StringField(validators=[DataRequired(), Length(max=200)])
    starts_on = StringField(validators=[DataRequired(), Length(max=10)])
    dimension = StringField(validators=[DataRequired(), Length(max=40)])
    counter = StringField(validators=[Length(max=40)])
    service = StringField(validators=[Length(max=40)])
    description = StringField(validators=[Length(max=4000)])


@bp.route("/actions", methods=["GET", "POST"])
@roles_required(*READERS)
def action_list():  # noqa: ANN201
    """Improvement actions (PDCA "Act") of the user's units, and a form to record one."""
    form = ActionForm()
    errors: list[str] = []
    if request.method == "POST":
        if current_user.role not in ("admin", "manager"):
            abort(403)
        if form.validate_on_submit():
            try:
                starts_on = date.fromisoformat(form.starts_on.data)
                action = actions.create_action(
                    db.session,
                    scope_unit_id(),
                    unit_code=form.unit.data,
                    title=form.title.data,
                    starts_on=starts_on,
                    dimension=form.dimension.data,
                    counter_code=form.counter.data or None,
                    service_code=form.service.data or None,
                    description=form.description.data or "",
                    actor=current_user.data.email,
                )
            except ValueError:
                errors.append(_("Ngày không hợp lệ."))
            except (InvalidInput, NotFound, Forbidden) as exc:
                errors.append(error_message(exc))
            else:
                return redirect(url_for("manage.action_detail", action_id=action.id), code=303)
        else:
            errors.append(_("Vui lòng điền tiêu đề, đơn vị, ngày bắt đầu và tiêu chí."))
    root = db.session.get(Unit, scope_unit_id())
    return render_template(
        "manage/actions.html",
        rows=actions.list_actions(db.session, scope_unit_id()),
        form=form,
        errors=errors,
        can_act=current_user.role in ("admin", "manager"),
        root=root,
        dimensions=DIMENSION_ORDER,
        today=_today(),
    ), 422 if errors else 200


@bp.get("/actions/<int:action_id>")
@roles_required(*READERS)
def action_detail(action_id: int):  # noqa: ANN201
    action = actions.action_in_scope(db.session, scope_unit_id(), action_id)
    if action is None:
        abort(404)
    comparison = actions.compare(db.session, action, _today())
    unit = db.session.get(Unit, action.unit_id)
    return render_template("manage/action.html", action=action, unit=unit, comparison=comparison, r1=round1)
