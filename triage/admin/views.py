"""Administration: accounts (more arrives with the security and scheduling work)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from triage.auth.decorators import requires
from triage.extensions import db
from triage.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")

NAV = [("Users", "admin.users", "user.manage")]


@bp.route("/users")
@requires("user.manage")
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, active="admin.users")
