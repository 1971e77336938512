"""Administration of accounts: list, create, roles, disable/enable, reset the second factor.

There are no default accounts: the first administrator is made with `triage create-user`, and
every other account here. Each change goes through triage.services.accounts (audited there);
role changes and disabling end the user's sessions at once. A refused change is undone by
`attempt` and shown with the form; the request boundary commits.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from triage.admin.forms import (
    CreateUserForm,
    ResetMfaForm,
    RolesForm,
    SetPasswordForm,
    StatusForm,
)
from triage.auth.decorators import requires
from triage.extensions import db
from triage.models import User
from triage.services import accounts, mfa
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.transaction import attempt

bp = Blueprint("admin", __name__, url_prefix="/admin")

NAV = [("Users", "admin.users", "user.manage")]


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
        user, refusal = attempt(
            accounts.create_user,
            refusals=(accounts.AccountError,),
            email=form.email.data,
            name=form.name.data,
            agency=form.agency.data or "",
            roles=list(form.roles.data),
            password=form.password.data,
            actor=current_actor(),
            now=request_now(),
            must_change_password=True,  # an administrator chose it: replaced at first sign-in
        )
        if refusal is None:
            flash(
                "User created. At first sign-in they set up their authenticator app and "
                "choose their own password.",
                "success",
            )
            return redirect(url_for("admin.user", user_id=user.id))
        error = str(refusal)
    status = 400 if error or form.errors else 200
    return render_template(
        "admin/user_new.html", form=form, error=error, active="admin.users"
    ), status


def _render_user(
    user: User,
    roles_form: RolesForm | None = None,
    error: str | None = None,
    password_form: SetPasswordForm | None = None,
):
    if roles_form is None:
        roles_form = RolesForm(data={"roles": sorted(user.roles)})
    return render_template(
        "admin/user.html",
        user=user,
        roles_form=roles_form,
        status_form=StatusForm(),
        mfa_form=ResetMfaForm(),
        password_form=password_form or SetPasswordForm(),
        codes_left=mfa.recovery_codes_left(user),
        error=error,
        active="admin.users",
    )


@bp.route("/users/<int:user_id>")
@requires("user.manage")
def user(user_id: int):
    return _render_user(get_or_404(User, user_id, object_type="user"))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@requires("user.manage")
def user_roles(user_id: int):
    target = get_or_404(User, user_id, object_type="user")
    form = RolesForm()
    if not form.validate_on_submit():
        return _render_user(target, form), 400
    _, refusal = attempt(
        accounts.set_roles,
        target,
        list(form.roles.data),
        current_actor(),
        refusals=(accounts.AccountError,),
        now=request_now(),
    )
    if refusal is not None:
        return _render_user(target, form, str(refusal)), 400
    flash("Roles saved. The user has been signed out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@requires("user.manage")
def user_status(user_id: int):
    target = get_or_404(User, user_id, object_type="user")
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_user(target), 400
    if target.active:
        change = accounts.disable_user
        message = "Account disabled. The user has been signed out everywhere."
    else:
        change, message = accounts.enable_user, "Account enabled."
    _, refusal = attempt(
        change,
        target,
        current_actor(),
        form.reason.data or "",
        refusals=(accounts.AccountError,),
        now=request_now(),
    )
    if refusal is not None:
        return _render_user(target, error=str(refusal)), 400
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/reset-mfa", methods=["POST"])
@requires("user.manage")
def user_reset_mfa(user_id: int):
    target = get_or_404(User, user_id, object_type="user")
    form = ResetMfaForm()
    if not form.validate_on_submit():
        return _render_user(target), 400
    mfa.reset(target, current_actor(), now=request_now())
    flash("Second factor reset. The user sets up a new one at their next sign-in.", "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires("user.manage")
def user_password(user_id: int):
    """Set a new password for a user who lost theirs: they must change it at next sign-in."""
    target = get_or_404(User, user_id, object_type="user")
    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _render_user(target, password_form=form), 400
    _, refusal = attempt(
        accounts.set_password,
        target,
        form.password.data,
        current_actor(),
        refusals=(accounts.AccountError,),
        now=request_now(),
    )
    if refusal is not None:
        form.password.errors = [str(refusal)]
        return _render_user(target, password_form=form), 400
    flash(
        "Password set. The user has been signed out everywhere and must choose their own "
        "password when they next sign in.",
        "success",
    )
    return redirect(url_for("admin.user", user_id=target.id))
