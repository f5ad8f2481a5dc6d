"""Sign-in for managers, administrators, viewers and staff: Flask-Login, throttled, with an idle timeout."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from feedback.extensions import db, limiter
from feedback.forms.base import NormalisedForm
from feedback.services.users import SignedIn, authenticate, load_signed_in, normalise_email

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class CurrentUser(UserMixin):
    def __init__(self, signed_in: SignedIn) -> None:
        self.data = signed_in

    def get_id(self) -> str:
        # The session version makes a password change or a disabled account end every old session.
        return f"{self.data.id}:{self.data.session_version}"

    @property
    def role(self) -> str:
        return self.data.role

    @property
    def unit_id(self) -> int:
        return self.data.unit_id


class LoginForm(NormalisedForm):
    email = EmailField(validators=[DataRequired(), Length(max=255)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["FEEDBACK_IDLE_MINUTES"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True  # the lifetime runs from the last request: an idle timeout
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(0)

    @login_manager.user_loader
    def _load(user_key: str):  # noqa: ANN202
        user_id, _sep, version = user_key.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        signed_in = load_signed_in(db.session, int(user_id), int(version))
        return CurrentUser(signed_in) if signed_in else None

    @login_manager.unauthorized_handler
    def _unauthorized():  # noqa: ANN202
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _account_key() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))[:255]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return url_for("manage.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", key_func=_account_key, methods=["POST"])
@limiter.limit("30/minute", methods=["POST"])
def login():  # noqa: ANN201
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        signed_in = authenticate(db.session, form.email.data, form.password.data)
        if signed_in is not None:
            session.clear()
            session.permanent = True
            login_user(CurrentUser(signed_in))
            return redirect(_safe_next(request.args.get("next")), code=303)
        error = _("Email hoặc mật khẩu không đúng.")
    elif request.method == "POST":
        error = _("Vui lòng nhập email và mật khẩu.")
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status, {"Cache-Control": "no-store"}


@bp.post("/logout")
def logout():  # noqa: ANN201
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError

    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return redirect(url_for("auth.login"), code=303)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)


def signed_in_user() -> CurrentUser | None:
    return current_user if current_user.is_authenticated else None  # type: ignore[return-value]


__all__ = ["bp", "current_app", "init_auth", "login_manager", "signed_in_user"]
