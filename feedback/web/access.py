"""Who may see what, decided in one place: a role, and the unit subtree the user is scoped to.

Every manager page goes through ``roles_required``; every query it runs is limited to
``scope_unit_id()``'s subtree by the services it calls (the same services the API uses with a key's unit).
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from feedback.web.auth import login_manager

READERS = ("admin", "manager", "viewer")


def roles_required(*roles: str):  # noqa: ANN201
    def decorator(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]  # read by the scoping test matrix
        return wrapped

    return decorator


def scope_unit_id() -> int:
    return current_user.unit_id
