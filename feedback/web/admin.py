"""Administration: the directory, users, API keys, survey templates, KPI rules and the audit log.

Every page is for the ``admin`` role only and limited to the administrator's unit subtree: a ward's
administrator never sees nor changes another ward's units, users, keys or audit events. The KPI rules
apply province-wide, so only an administrator of a top unit (one without a parent) may change them.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from feedback.extensions import db
from feedback.forms.base import NormalisedForm
from feedback.models import KpiRuleSet, Unit
from feedback.models.access import SCOPES
from feedback.models.user import ROLES
from feedback.services import admin_queries as q
from feedback.services.apikeys import create_api_key, revoke_api_key
from feedback.services.directory import KINDS, ORDER, DirectoryImportError
from feedback.services.errors import FeedbackError
from feedback.services.kpi import DIMENSION_ORDER
from feedback.services.kpi_rules import change_rules, current_rules
from feedback.services.templates import assign_template
from feedback.services.users import MIN_PASSWORD, create_user, set_active
from feedback.web.access import roles_required, scope_unit_id
from feedback.web.messages import error_message, row_error_message

bp = Blueprint("admin", __name__, url_prefix="/manage/admin")
NO_STORE = {"Cache-Control": "no-store"}
KIND_LABELS = {
    "units": _l("Đơn vị"),
    "counters": _l("Quầy"),
    "staff": _l("Cán bộ"),
    "services": _l("Thủ tục"),
}
ROLE_LABELS = {
    "admin": _l("Quản trị"),
    "manager": _l("Quản lý"),
    "viewer": _l("Chỉ xem"),
    "staff": _l("Cán bộ"),
}
MAX_FILE_NAME = 100
bp.add_app_template_global(row_error_message, "row_error_message")
EXTRA_BAND_ROWS = 1


def _actor() -> str:
    return current_user.data.email


def _root_admin() -> bool:
    return q.is_root_unit(db.session, scope_unit_id())


def _form_errors(form: NormalisedForm) -> list[str]:
    """Each field's first error, named by its label; a missing CSRF token as one clear sentence."""
    messages = []
    for name, errors in form.errors.items():
        if name == "csrf_token":
            messages.append(_("Biểu mẫu đã hết hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."))
            continue
        field = getattr(form, name, None)
        label = field.label.text if field is not None else name
        messages.append(f"{label}: {errors[0]}")
    return messages


def _page(template: str, status: int = 200, **context: Any):  # noqa: ANN202
    return render_template(template, root_admin=_root_admin(), **context), status, NO_STORE


@bp.get("/")
@roles_required("admin")
def index():  # noqa: ANN201
    return _page("admin/index.html", section="index", unit=db.session.get(Unit, scope_unit_id()))


# --- audit log -------------------------------------------------------------------------------------


@bp.get("/audit")
@roles_required("admin")
def audit_log():  # noqa: ANN201
    prefix = (request.args.get("action") or "").strip()[:60]
    events = q.audit_events(db.session, scope_unit_id(), prefix)
    return _page(
        "admin/audit.html",
        section="audit",
        events=events,
        prefix=prefix,
        limit=q.AUDIT_LIMIT,
        tz=current_app.config["FEEDBACK_TIMEZONE"],
    )


# --- users -----------------------------------------------------------------------------------------


class UserForm(NormalisedForm):
    email = StringField(
        _l("Email"),
        validators=[DataRequired(_l("Cần nhập email.")), Length(max=255, message=_l("Tối đa 255 ký tự."))],
    )
    role = SelectField(_l("Vai trò"), choices=list(ROLES), validate_choice=False, validators=[DataRequired()])
    unit = StringField(_l("Đơn vị"), validators=[DataRequired(_l("Cần chọn đơn vị.")), Length(max=40)])
    staff = StringField(_l("Mã cán bộ"), validators=[Optional(), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    password = PasswordField(
        _l("Mật khẩu ban đầu"),
        validators=[
            DataRequired(_l("Cần nhập mật khẩu.")),
            Length(min=MIN_PASSWORD, max=256, message=_l("Mật khẩu cần từ 12 đến 256 ký tự.")),
        ],
    )
    password2 = PasswordField(
        _l("Nhập lại mật khẩu"),
        validators=[
            DataRequired(_l("Cần nhập lại mật khẩu.")),
            EqualTo("password", message=_l("Hai lần nhập mật khẩu không giống nhau.")),
        ],
    )


class PlainForm(NormalisedForm):
    """Only the CSRF token: for one-button actions."""


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():  # noqa: ANN201
    form = UserForm()
    errors: list[str] = []
    root = scope_unit_id()
    if request.method == "POST":
        if form.validate_on_submit():
            errors = _check_user(form, root)
            if not errors:
                try:
                    create_user(
                        db.session,
                        form.email.data,
                        form.role.data,
                        form.unit.data,
                        form.password.data,
                        form.staff.data or None,
                        actor=_actor(),
                    )
                except FeedbackError as exc:
                    errors.append(error_message(exc))
                else:
                    flash(_("Đã tạo tài khoản %(email)s.", email=form.email.data.lower()))
                    return redirect(url_for("admin.users"), code=303)
        else:
            errors = _form_errors(form)
    return _page(
        "admin/users.html",
        422 if errors else 200,
        section="users",
        form=form,
        errors=errors,
        rows=q.users_in_scope(db.session, root),
        units=q.units_in_scope(db.session, root),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        toggle=PlainForm(),
        min_password=MIN_PASSWORD,
    )


def _check_user(form: UserForm, root: int) -> list[str]:
    errors = []
    if form.role.data not in ROLES:
        errors.append(_("Vai trò không hợp lệ."))
    if q.unit_in_scope(db.session, root, form.unit.data) is None:
        errors.append(_("Đơn vị %(code)s không có hoặc không thuộc phạm vi quản trị của anh/chị.", code=form.unit.data))
    if form.role.data == "staff":
        if not form.staff.data:
            errors.append(_("Tài khoản cán bộ cần mã cán bộ (để xem điểm của chính mình)."))
        elif not q.staff_code_in_scope(db.session, root, form.staff.data):
            errors.append(
                _("Cán bộ %(code)s không có hoặc không thuộc phạm vi quản trị của anh/chị.", code=form.staff.data)
            )
    elif form.staff.data:
        errors.append(_("Chỉ tài khoản cán bộ mới gắn với mã cán bộ."))
    return errors


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
def user_active(user_id: int):  # noqa: ANN201
    user = q.user_in_scope(db.session, scope_unit_id(), user_id)
    if user is None:
        abort(404)
    form = PlainForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."))
        return redirect(url_for("admin.users"), code=303)
    active = request.form.get("active") == "1"
    if user.id == current_user.data.id and not active:
        flash(_("Anh/chị không thể tự khóa tài khoản của mình."))
        return redirect(url_for("admin.users"), code=303)
    set_active(db.session, user.email, active, actor=_actor())
    flash(_("Đã mở khóa %(email)s.", email=user.email) if active else _("Đã khóa %(email)s.", email=user.email))
    return redirect(url_for("admin.users"), code=303)


# --- API keys --------------------------------------------------------------------------------------


class KeyForm(NormalisedForm):
    name = StringField(
        _l("Tên khóa"),
        validators=[DataRequired(_l("Cần đặt tên cho khóa.")), Length(max=100, message=_l("Tối đa 100 ký tự."))],
    )
    unit = StringField(_l("Đơn vị"), validators=[DataRequired(_l("Cần chọn đơn vị.")), Length(max=40)])
    scopes = SelectMultipleField(_l("Quyền"), choices=list(SCOPES), validate_choice=False)


@bp.route("/keys", methods=["GET", "POST"])
@roles_required("admin")
def keys():  # noqa: ANN201
    form = KeyForm()
    errors: list[str] = []
    root = scope_unit_id()
    if request.method == "POST":
        if form.validate_on_submit():
            scopes = form.scopes.data or []
            if not scopes or any(s not in SCOPES for s in scopes):
                errors.append(_("Chọn ít nhất một quyền trong danh sách."))
            unit = q.unit_in_scope(db.session, root, form.unit.data)
            if unit is None:
                errors.append(
                    _("Đơn vị %(code)s không có hoặc không thuộc phạm vi quản trị của anh/chị.", code=form.unit.data)
                )
            if not errors:
                try:
                    key, full = create_api_key(db.session, form.name.data, unit.code, ",".join(scopes), _actor())
                except FeedbackError as exc:
                    errors.append(error_message(exc))
                else:
                    # Shown on this response only: the full key is never stored and never shown again.
                    return _page("admin/key_created.html", section="keys", key=key, full=full, unit=unit)
        else:
            errors = _form_errors(form)
    return _page(
        "admin/keys.html",
        422 if errors else 200,
        section="keys",
        form=form,
        errors=errors,
        rows=q.keys_in_scope(db.session, root),
        units=q.units_in_scope(db.session, root),
        scopes=SCOPES,
        revoke=PlainForm(),
        tz=current_app.config["FEEDBACK_TIMEZONE"],
    )


@bp.post("/keys/<prefix>/revoke")
@roles_required("admin")
def key_revoke(prefix: str):  # noqa: ANN201
    key = q.key_in_scope(db.session, scope_unit_id(), prefix[:16])
    if key is None:
        abort(404)
    if not PlainForm().validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."))
        return redirect(url_for("admin.keys"), code=303)
    revoke_api_key(db.session, key.prefix, _actor())
    flash(_("Đã thu hồi khóa %(prefix)s.", prefix=key.prefix))
    return redirect(url_for("admin.keys"), code=303)


# --- survey templates ------------------------------------------------------------------------------


class AssignForm(NormalisedForm):
    template = StringField(_l("Mẫu khảo sát"), validators=[DataRequired(_l("Cần chọn mẫu khảo sát.")), Length(max=40)])
    unit = StringField(_l("Đơn vị"), validators=[DataRequired(_l("Cần chọn đơn vị.")), Length(max=40)])


@bp.route("/templates", methods=["GET", "POST"])
@roles_required("admin")
def templates():  # noqa: ANN201
    form = AssignForm()
    errors: list[str] = []
    root = scope_unit_id()
    available = q.templates_with_latest(db.session)
    if request.method == "POST":
        if form.validate_on_submit():
            if form.template.data not in {t.code for t in available}:
                errors.append(_("Không có mẫu khảo sát %(code)s.", code=form.template.data))
            unit = q.unit_in_scope(db.session, root, form.unit.data)
            if unit is None:
                errors.append(
                    _("Đơn vị %(code)s không có hoặc không thuộc phạm vi quản trị của anh/chị.", code=form.unit.data)
                )
            if not errors:
                try:
                    assign_template(db.session, form.template.data, unit.code, _actor())
                except FeedbackError as exc:
                    errors.append(error_message(exc))
                else:
                    flash(_("Đã áp dụng mẫu %(template)s cho %(unit)s.", template=form.template.data, unit=unit.code))
                    return redirect(url_for("admin.templates"), code=303)
        else:
            errors = _form_errors(form)
    return _page(
        "admin/templates.html",
        422 if errors else 200,
        section="templates",
        form=form,
        errors=errors,
        available=available,
        rows=q.assignments_in_scope(db.session, root),
    )


# --- KPI rules -------------------------------------------------------------------------------------


class RulesForm(NormalisedForm):
    """The note and CSRF; the weights and bands are read from numbered fields by ``_read_rules``."""

    note = StringField(
        _l("Lý do thay đổi"),
        validators=[DataRequired(_l("Cần ghi lý do thay đổi.")), Length(max=500, message=_l("Tối đa 500 ký tự."))],
    )
    count_flagged = BooleanField(_l("Tính cả phiếu bị gắn cờ nghi vấn"))


def _number(raw: str | None, label: str, errors: list[str], *, low: float, high: float, whole: bool = False):  # noqa: ANN202
    text = (raw or "").strip().replace(",", ".")
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        if whole:
            errors.append(_("%(label)s: cần một số nguyên.", label=label))
        else:
            errors.append(_("%(label)s: cần một số.", label=label))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(_("%(label)s: cần trong khoảng %(low)s đến %(high)s.", label=label, low=low, high=high))
        return None
    return value


def _dimensions(rules) -> list[str]:  # noqa: ANN001
    return list(DIMENSION_ORDER) + sorted(d for d in rules.weights if d not in DIMENSION_ORDER)


def _read_rules(rules, errors: list[str]) -> dict[str, Any]:  # noqa: ANN001
    """The submitted settings as ``KpiRules.to_dict`` writes them; problems go to ``errors``."""
    f = request.form
    weights = {}
    for dim in _dimensions(rules):
        value = _number(f.get(f"weight_{dim}"), _("Trọng số %(dim)s", dim=dim), errors, low=0, high=100)
        if value is not None:
            weights[dim] = value
    prior = _number(f.get("prior_weight"), _("Trọng số tiên nghiệm m"), errors, low=0, high=100000)
    min_n = _number(f.get("min_n"), _("Số phiếu tối thiểu"), errors, low=1, high=1000000, whole=True)
    bands = []
    for i in range(len(rules.bands) + EXTRA_BAND_ROWS):
        raw_min, label = (f.get(f"band_min_{i}") or "").strip(), (f.get(f"band_label_{i}") or "").strip()
        if not raw_min and not label:
            continue
        if not raw_min or not label:
            errors.append(_("Mức %(n)d: cần cả ngưỡng và tên mức.", n=i + 1))
            continue
        if len(label) > 100:
            errors.append(_("Mức %(n)d: tên mức tối đa 100 ký tự.", n=i + 1))
            continue
        threshold = _number(raw_min, _("Ngưỡng mức %(n)d", n=i + 1), errors, low=0, high=100)
        if threshold is not None:
            bands.append({"min": threshold, "label": label})
    if not bands:
        errors.append(_("Cần ít nhất một mức xếp loại."))
    below = (f.get("below_band") or "").strip()
    if not below or len(below) > 100:
        errors.append(_("Tên mức dưới ngưỡng thấp nhất: cần từ 1 đến 100 ký tự."))
    return {
        "weights": dict(sorted(weights.items())),
        "prior_weight": prior,
        "min_n": min_n,
        "bands": bands,
        "below_band": below,
        "count_flagged": f.get("count_flagged") == "y",
    }


@bp.route("/rules", methods=["GET", "POST"])
@roles_required("admin")
def rules():  # noqa: ANN201
    form = RulesForm()
    errors: list[str] = []
    rules_now = current_rules(db.session)
    root_admin = _root_admin()
    if request.method == "POST":
        if not root_admin:
            abort(403)
        if form.validate_on_submit():
            wanted = _read_rules(rules_now, errors)
            if not errors:
                before = rules_now.to_dict()
                # An unlisted dimension weighs 1: compare what each dimension weighs, not how it is written.
                before["weights"] = dict(sorted((d, rules_now.weight_for(d)) for d in _dimensions(rules_now)))
                changes = {k: v for k, v in wanted.items() if before.get(k) != v}
                if not changes:
                    errors.append(_("Không có thay đổi nào so với phiên bản hiện hành."))
                else:
                    try:
                        new = change_rules(db.session, changes, _actor(), form.note.data)
                    except FeedbackError as exc:
                        errors.append(error_message(exc))
                    else:
                        flash(_("Đã lưu quy tắc KPI phiên bản %(v)d.", v=new.version))
                        return redirect(url_for("admin.rules"), code=303)
        else:
            errors = _form_errors(form)
    history = list(db.session.scalars(select(KpiRuleSet).order_by(KpiRuleSet.version.desc()).limit(50)))
    return _page(
        "admin/rules.html",
        422 if errors else 200,
        section="rules",
        form=form,
        errors=errors,
        rules=rules_now,
        dimensions=_dimensions(rules_now),
        band_rows=len(rules_now.bands) + EXTRA_BAND_ROWS,
        submitted=request.form if errors else None,
        history=history,
        can_change=root_admin,
        tz=current_app.config["FEEDBACK_TIMEZONE"],
    )


# --- directory -------------------------------------------------------------------------------------


@bp.get("/directory")
@roles_required("admin")
def directory():  # noqa: ANN201
    kind = request.args.get("kind", "units")
    if kind not in KINDS:
        kind = "units"
    root = scope_unit_id()
    loaders = {
        "units": lambda: q.units_in_scope(db.session, root),
        "counters": lambda: q.counters_in_scope(db.session, root),
        "staff": lambda: q.staff_in_scope(db.session, root),
        "services": lambda: q.all_services(db.session),
    }
    units = {u.id: u.code for u in q.units_in_scope(db.session, root)} if kind == "units" else {}
    return _page(
        "admin/directory.html",
        section="directory",
        kind=kind,
        kinds=ORDER,
        kind_labels=KIND_LABELS,
        rows=loaders[kind](),
        unit_codes=units,
        parent_codes={u.id: u.code for u in db.session.scalars(select(Unit))} if kind == "units" else {},
    )


class ImportForm(NormalisedForm):
    units = FileField(_l("Đơn vị (units.csv)"))
    counters = FileField(_l("Quầy (counters.csv)"))
    staff = FileField(_l("Cán bộ (staff.csv)"))
    services = FileField(_l("Thủ tục (services.csv)"))


def _uploaded(form: ImportForm) -> dict[str, tuple[str, bytes]]:
    """The chosen files, or on the confirming step the contents the preview carried forward."""
    files = {}
    for kind in ORDER:
        storage = getattr(form, kind).data
        if storage is not None and getattr(storage, "filename", None):
            name = storage.filename.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILE_NAME] or f"{kind}.csv"
            files[kind] = (name, storage.read())
        elif f"content_{kind}" in request.form:
            name = (request.form.get(f"name_{kind}") or f"{kind}.csv")[:MAX_FILE_NAME]
            files[kind] = (name, request.form[f"content_{kind}"].encode("utf-8"))
    return files


@bp.route("/directory/import", methods=["GET", "POST"])
@roles_required("admin")
def directory_import():  # noqa: ANN201
    form = ImportForm()
    errors: list[str] = []
    row_errors = []
    summary = None
    carried: dict[str, tuple[str, str]] = {}
    step = request.form.get("step", "preview")
    if request.method == "POST":
        if not form.validate_on_submit():
            errors = _form_errors(form)
        else:
            files = _uploaded(form)
            if not files:
                errors.append(_("Chọn ít nhất một tệp CSV."))
            else:
                try:
                    summary = q.import_in_scope(db.session, files, scope_unit_id(), _actor(), write=step == "import")
                except DirectoryImportError as exc:
                    row_errors = exc.errors
                    errors.append(_("Có %(n)d lỗi; chưa có gì được ghi. Sửa tệp rồi xem trước lại.", n=len(exc.errors)))
                else:
                    if step == "import":
                        flash(_("Đã nhập danh mục: %(line)s", line=summary.line()))
                        return redirect(url_for("admin.directory"), code=303)
                    # Valid UTF-8 by now (the checks passed): carried to the confirming form as text.
                    carried = {kind: (name, data.decode("utf-8")) for kind, (name, data) in files.items()}
    return _page(
        "admin/import.html",
        422 if errors else 200,
        section="directory",
        form=form,
        errors=errors,
        row_errors=row_errors,
        summary=summary,
        carried=carried,
        kinds=ORDER,
        kind_labels=KIND_LABELS,
        limit_kb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024,
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge):  # noqa: ANN202
    """An upload over the app's size limit: say so on the import page rather than the citizens' message."""
    if not current_user.is_authenticated or current_user.role != "admin":
        title, message = _("Nội dung gửi quá lớn"), _("Yêu cầu không hợp lệ.")
        return render_template("errors/error.html", title=title, message=message), 413
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024
    message = _(
        "Các tệp gửi lên quá lớn (tối đa %(kb)d KB cho một lần gửi). Hãy chia nhỏ tệp hoặc dùng lệnh "
        "“flask directory import” trên máy chủ.",
        kb=limit,
    )
    return _page(
        "admin/import.html",
        413,
        section="directory",
        form=ImportForm(formdata=None),
        errors=[message],
        row_errors=[],
        summary=None,
        carried={},
        kinds=ORDER,
        kind_labels=KIND_LABELS,
        limit_kb=limit,
    )
