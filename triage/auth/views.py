"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from triage.auth import sessions
from triage.auth.decorators import public, requires
from triage.auth.forms import SignInForm, SignOutForm
from triage.auth.login import SESSION_KEY
from triage.extensions import db, limiter
from triage.services import accounts, audit
from triage.web.actor import current_actor

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only ever redirect to a path on this site (never to an attacker's host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = accounts.check_sign_in(form.email.data, form.password.data, current_actor())
        if result.user is None:
            db.session.commit()  # the failure and its audit event are kept
            error = result.error
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a new session id at sign-in: no fixation
            token, row = sessions.open_session(result.user)
            session[SESSION_KEY] = token
            session.permanent = True
            login_user(result.user)
            audit.record(
                "auth.sign_in",
                current_actor(),
                object_type="user",
                object_id=result.user.id,
                details={"session": row.id},
            )
            db.session.commit()
            return redirect(next_url)
    status = 200 if error is None and not form.errors else 400 if form.errors else 401
    return render_template("auth/sign_in.html", form=form, error=error), status


@bp.route("/sign-out", methods=["POST"])
@requires("account.self")
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        row = sessions.find_session(session.get(SESSION_KEY))
        if row is not None:
            sessions.end_session(row, "sign_out")
        audit.record(
            "auth.sign_out", current_actor(), object_type="user", object_id=current_user.id
        )
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
