"""Sign in (password, then a TOTP or recovery code), sign out, the user's own account pages,
and the idle-time-out status the warning script reads."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from triage.auth.decorators import mfa_step, public, requires
from triage.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    EndSessionForm,
    EnrolForm,
    NewRecoveryCodesForm,
    SignInForm,
    SignOutForm,
)
from triage.auth.login import SESSION_KEY, session_timeouts
from triage.extensions import db, limiter
from triage.models import AuthSession, User
from triage.services import accounts, auth_sessions, mfa, own_sessions, sign_in_steps
from triage.services.actor import Actor
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("auth", __name__)

NAV = [("Your account", "auth.account", "account.self")]

NEXT_KEY = "after_sign_in"


def _safe_next(target: str | None) -> str:
    """Only ever redirect to a path on this site (never to an attacker's host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _pending_actor(user: User) -> Actor:
    """The actor of the second step: the user is known, but not yet signed in."""
    return Actor.for_user(user, request_id=g.get("request_id"), ip=request.remote_addr)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = accounts.check_sign_in(
            form.email.data, form.password.data, current_actor(), now=request_now()
        )
        if result.user is None:
            error = result.error  # the failure is recorded: the request's one commit keeps it
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a new session id at each step: no fixation
            token, _row = sign_in_steps.password_passed(
                result.user, _pending_actor(result.user), now=request_now()
            )
            session[SESSION_KEY] = token
            session[NEXT_KEY] = next_url
            session.permanent = True
            step = "auth.mfa" if result.user.totp_secret else "auth.mfa_enrol"
            return redirect(url_for(step))
    status = 200 if error is None and not form.errors else 400 if form.errors else 401
    return render_template("auth/sign_in.html", form=form, error=error), status


def _complete_sign_in(pending: AuthSession, method: str) -> str:
    """The second factor passed: replace the password-only session with a full one."""
    user = pending.user
    next_url = _safe_next(session.get(NEXT_KEY))
    token, _row = sign_in_steps.second_factor_passed(
        pending, method, _pending_actor(user), now=request_now()
    )
    session.clear()  # privilege changes, so the session id changes again
    session[SESSION_KEY] = token
    session.permanent = True
    login_user(user)
    return next_url


@bp.route("/sign-in/code", methods=["GET", "POST"], endpoint="mfa")
@mfa_step
@limiter.limit(_login_limit, methods=["POST"])
def mfa_code(pending: AuthSession):
    user = pending.user
    if not user.totp_secret:
        return redirect(url_for("auth.mfa_enrol"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        # Not an `attempt`: a wrong code's failure count, delay and audit event must be kept.
        try:
            result = mfa.verify(
                user,
                form.code.data,
                _pending_actor(user),
                request_now(),
                keys=request_settings().totp_keys,
            )
        except mfa.MfaError as exc:
            error = str(exc)
        else:
            next_url = _complete_sign_in(pending, result.method)
            if result.method == "recovery_code":
                flash(
                    f"You used a recovery code. You have {result.recovery_codes_left} left: "
                    "get new ones from your account page.",
                    "info",
                )
            return redirect(next_url)
    status = 401 if error else 400 if form.errors else 200
    return render_template("auth/mfa.html", form=form, error=error), status


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@mfa_step
@limiter.limit(_login_limit, methods=["POST"])
def mfa_enrol(pending: AuthSession):
    user = pending.user
    if user.totp_secret:
        return redirect(url_for("auth.mfa"))
    keys = request_settings().totp_keys
    secret = sign_in_steps.enrolment_secret(pending, keys)
    form = EnrolForm()
    error = None
    if form.validate_on_submit():
        # Not an `attempt`: a wrong code's failure is recorded and kept, as on the code step.
        try:
            codes = sign_in_steps.enrol(
                pending, form.code.data, _pending_actor(user), now=request_now(), keys=keys
            )
        except mfa.MfaError as exc:
            error = str(exc)
        else:
            next_url = _complete_sign_in(pending, "totp_enrol")
            # Shown once, in this response only: only their hashes are stored.
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    uri = mfa.provisioning_uri(user, secret, current_app.config["SERVICE_NAME"])
    status = 401 if error else 400 if form.errors else 200
    return (
        render_template(
            "auth/mfa_enrol.html",
            form=form,
            error=error,
            # segno draws the URI as path data only (the title is fixed): no text is injected.
            qr=Markup(mfa.qr_svg(uri)),  # noqa: S704  # nosec B704
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        ),
        status,
    )


@bp.route("/sign-out", methods=["POST"])
@requires("account.self")
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        sign_in_steps.sign_out(
            auth_sessions.find_session(session.get(SESSION_KEY)),
            current_user.id,
            current_actor(),
            now=request_now(),
        )
        logout_user()
        session.clear()
        flash("You have signed out.", "success")
        response = redirect(url_for("auth.sign_in"))
        # Nothing of the case pages may stay in this browser's cache or storage. Cookies are
        # left alone: the session row is already ended, and the cookie carries the flash.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return redirect(url_for("auth.sign_in"))


@bp.route("/account")
@requires("account.self")
def account():
    sessions = own_sessions.live_sessions(
        current_user,
        current_id=g.get("auth_session_id"),
        **session_timeouts(),
        now=request_now(),
    )
    return render_template(
        "auth/account.html",
        codes_left=mfa.recovery_codes_left(current_user),
        codes_form=NewRecoveryCodesForm(),
        sessions=sessions,
        end_form=EndSessionForm(),
        active="auth.account",
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@requires("account.self")
def end_session(session_id: int):
    """End one of the user's own sessions elsewhere (this one is ended by signing out)."""
    if EndSessionForm().validate_on_submit() and session_id != g.get("auth_session_id"):
        _, refusal = attempt(
            own_sessions.end_own_session,
            current_user,
            session_id,
            current_actor(),
            refusals=(own_sessions.SessionNotFound,),
            now=request_now(),
        )
        if refusal is not None:
            flash(str(refusal), "info")
        else:
            flash("That session has been signed out.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@requires("account.self")
def end_other_sessions():
    if EndSessionForm().validate_on_submit():
        ended = own_sessions.end_other_sessions(
            current_user, g.get("auth_session_id"), current_actor(), now=request_now()
        )
        flash(f"Signed out of {ended} other session{'' if ended == 1 else 's'}.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires("account.self")
def change_password():
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        # Not an `attempt`: the refused change's audit event is kept (it changes nothing else).
        try:
            accounts.change_password(
                current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                actor=current_actor(),
                keep_session_id=g.get("auth_session_id"),
                now=request_now(),
            )
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            flash("Your password has been changed. You were signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
    status = 400 if error or form.errors else 200
    return render_template(
        "auth/change_password.html", form=form, error=error, active="auth.account"
    ), status


@bp.route("/account/recovery-codes", methods=["POST"])
@requires("account.self")
def new_recovery_codes():
    form = NewRecoveryCodesForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.account"))
    codes = mfa.replace_recovery_codes(current_user, current_actor(), now=request_now())
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account")
    )


def _session_row() -> AuthSession | None:
    session_id = g.get("auth_session_id")
    return db.session.get(AuthSession, session_id) if session_id else None


@bp.route("/session/status")
@requires("account.self")
def session_status():
    """How long until the idle time-out; reading it does not count as activity."""
    left = auth_sessions.seconds_left(_session_row(), **session_timeouts(), now=request_now())
    return jsonify({"seconds_left": left})


@bp.route("/session/keep-alive", methods=["POST"])
@requires("account.self")
def session_keep_alive():
    """'Stay signed in' on the idle warning (CSRF token in the X-CSRFToken header)."""
    auth_sessions.keep_alive(_session_row(), now=request_now())
    return session_status()
