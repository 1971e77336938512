"""Administration of accounts: list, create, roles, disable/enable, reset the second factor.

There are no default accounts: the first administrator is made with `triage create-user`, and
every other account here. Each change goes through triage.services.accounts (audited there);
role changes and disabling end the user's sessions at once.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from triage.admin.forms import CreateUserForm, ResetMfaForm, RolesForm, StatusForm
from triage.auth.decorators import requires
from triage.extensions import db
from triage.models import User
from triage.services import accounts, mfa
from triage.web.actor import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")

NAV = [("Users", "admin.users", "user.manage")]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        g.denied_object_type, g.denied_object_id = "user", user_id
        abort(404)
    return user


@bp.route("/users")
@requires("user.manage")
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, active="admin.users")


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def create_user():
    form = CreateUserForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                agency=form.agency.data or "",
                roles=list(form.roles.data),
                password=form.password.data,
                actor=current_actor(),
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash("User created. They set up their authenticator app at first sign-in.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    status = 400 if error or form.errors else 200
    return render_template(
        "admin/user_new.html", form=form, error=error, active="admin.users"
    ), status


def _render_user(user: User, roles_form: RolesForm | None = None, error: str | None = None):
    if roles_form is None:
        roles_form = RolesForm(data={"roles": sorted(user.roles)})
    return render_template(
        "admin/user.html",
        user=user,
        roles_form=roles_form,
        status_form=StatusForm(),
        mfa_form=ResetMfaForm(),
        codes_left=mfa.recovery_codes_left(user),
        error=error,
        active="admin.users",
    )


@bp.route("/users/<int:user_id>")
@requires("user.manage")
def user(user_id: int):
    return _render_user(_user_or_404(user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@requires("user.manage")
def user_roles(user_id: int):
    target = _user_or_404(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        return _render_user(target, form), 400
    try:
        accounts.set_roles(target, list(form.roles.data), current_actor())
    except accounts.AccountError as exc:
        db.session.rollback()
        return _render_user(target, form, str(exc)), 400
    db.session.commit()
    flash("Roles saved. The user has been signed out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@requires("user.manage")
def user_status(user_id: int):
    target = _user_or_404(user_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_user(target), 400
    try:
        if target.active:
            accounts.disable_user(target, current_actor(), form.reason.data or "")
            message = "Account disabled. The user has been signed out everywhere."
        else:
            accounts.enable_user(target, current_actor(), form.reason.data or "")
            message = "Account enabled."
    except accounts.AccountError as exc:
        db.session.rollback()
        return _render_user(target, error=str(exc)), 400
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/reset-mfa", methods=["POST"])
@requires("user.manage")
def user_reset_mfa(user_id: int):
    target = _user_or_404(user_id)
    form = ResetMfaForm()
    if not form.validate_on_submit():
        return _render_user(target), 400
    mfa.reset(target, current_actor())
    db.session.commit()
    flash("Second factor reset. The user sets up a new one at their next sign-in.", "success")
    return redirect(url_for("admin.user", user_id=target.id))
