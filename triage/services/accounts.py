"""User accounts: creation, sign-in checks with progressive delay, role changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import ROLES, User, UserRole
from triage.models.user import AccountStatusNote
from triage.services import audit, passwords
from triage.services.actor import Actor
from triage.services.auth_sessions import end_all_sessions

# After this many failures in a row, each further attempt must wait longer (capped), so a
# guesser is slowed to a crawl but the real user is never locked out for more than a minute.
FREE_FAILURES = 5
MAX_DELAY = timedelta(seconds=60)


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    roles: list[str],
    password: str,
    actor: Actor,
    now: datetime,
    agency: str = "",
    must_change_password: bool = False,
    check_context: bool = True,
) -> User:
    """A new account. `must_change_password`: someone else chose this password (an
    administrator), so the user replaces it at first sign-in before anything else (G8).
    `check_context=False` only for the published demo passwords, which name the service."""
    problems = passwords.password_problems(
        password, context=(name, email), check_context=check_context
    )
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        problems.append(f"Unknown role(s): {', '.join(unknown)}; choose from {', '.join(ROLES)}")
    if not roles:
        problems.append("A user needs at least one role")
    if "@" not in email:
        problems.append("Enter an e-mail address in the correct format, like name@example.org")
    if find_by_email(email):
        problems.append("A user with that e-mail address already exists")
    if problems:
        raise AccountError("; ".join(problems))
    user = User(
        email=normalise_email(email),
        name=name.strip() or normalise_email(email),
        agency=agency or None,
        password_hash=passwords.hash_password(password),
        role_rows=[UserRole(role=r) for r in sorted(set(roles))],
        created_at=now,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        actor,
        object_type="user",
        object_id=user.id,
        details={"roles": sorted(roles)},
        now=now,
    )
    return user


def sign_in_delay(user: User, now: datetime) -> timedelta:
    """How much longer this account must wait before its next attempt is checked."""
    excess = user.failed_sign_ins - FREE_FAILURES
    if excess < 0 or user.last_failed_sign_in_at is None:
        return timedelta(0)
    # The exponent is capped first: 2**excess for a long attack would overflow a timedelta.
    wait = min(timedelta(seconds=2 ** min(excess, 16)), MAX_DELAY)
    remaining = user.last_failed_sign_in_at + wait - now
    return max(remaining, timedelta(0))


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None


def check_sign_in(email: str, password: str, actor: Actor, *, now: datetime) -> SignInResult:
    """Check a password; records a failure (and its count) in the audit trail. Either way the
    caller's transaction keeps what was recorded: a refusal is not rolled back."""
    user = find_by_email(email)
    if user is not None and sign_in_delay(user, now) > timedelta(0):
        audit.record(
            "auth.sign_in_throttled", actor, object_type="user", object_id=user.id, now=now
        )
        return SignInResult(None, "Too many attempts. Wait a minute, then try again.")
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if user is not None:
            user.failed_sign_ins += 1
            user.last_failed_sign_in_at = now
        audit.record(
            "auth.sign_in_failed",
            actor,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            details={"known_account": user is not None},
            now=now,
        )
        return SignInResult(None, "Enter a correct e-mail address and password")
    # The failure count is reset only when the second factor passes too (triage.services.mfa), so
    # knowing the password never buys fresh, undelayed guesses at the code.
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return SignInResult(user, None)


def set_roles(user: User, roles: list[str], actor: Actor, *, now: datetime) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise AccountError(f"Roles must be one or more of {', '.join(ROLES)}")
    if actor.user_id == user.id and "admin" in user.roles and "admin" not in roles:
        raise AccountError("You cannot remove your own administrator role")
    before = sorted(user.roles)
    # Keep the rows of roles that stay: replacing them all would insert before the orphans
    # are deleted and trip the (user_id, role) unique constraint.
    wanted = set(roles)
    kept = [row for row in user.role_rows if row.role in wanted]
    added = [UserRole(role=r) for r in sorted(wanted - {row.role for row in kept})]
    user.role_rows = kept + added
    end_all_sessions(user.id, "role_change", now=now)
    audit.record(
        "user.roles_change",
        actor,
        object_type="user",
        object_id=user.id,
        details={"before": before, "after": sorted(set(roles))},
        now=now,
    )


def disable_user(user: User, actor: Actor, reason: str = "", *, now: datetime) -> None:
    """Disable an account: it can no longer sign in, and every session and token stops now."""
    if actor.user_id == user.id:
        raise AccountError("You cannot disable your own account")
    if not user.active:
        return
    user.active = False
    end_all_sessions(user.id, "account_disabled", now=now)
    audit.record(
        "user.disable",
        actor,
        object_type="user",
        object_id=user.id,
        details=_status_note(user, "disable", reason, actor, now),
        now=now,
    )


def enable_user(user: User, actor: Actor, reason: str = "", *, now: datetime) -> None:
    if user.active:
        return
    user.active = True
    user.failed_sign_ins = 0
    audit.record(
        "user.enable",
        actor,
        object_type="user",
        object_id=user.id,
        details=_status_note(user, "enable", reason, actor, now),
        now=now,
    )


def _status_note(user: User, action: str, reason: str, actor: Actor, now: datetime) -> dict:
    """Keep the typed reason on its own row (G16); the audit details only point at it."""
    reason = (reason or "").strip()
    if not reason:
        return {"reason_given": False}
    note = AccountStatusNote(
        user_id=user.id, action=action, reason=reason, actor_user_id=actor.user_id, created_at=now
    )
    db.session.add(note)
    db.session.flush()
    return {"reason_given": True, "note_id": note.id}


def change_password(
    user: User,
    *,
    current: str,
    new: str,
    actor: Actor,
    keep_session_id: int | None,
    now: datetime,
) -> None:
    """Change a user's own password; every other session of theirs ends. A refusal raises
    AccountError after recording the failed attempt, which the caller keeps."""
    problems = []
    if not passwords.verify_password(user.password_hash, current):
        problems.append("Your current password is not correct")
    problems.extend(passwords.password_problems(new, context=(user.name, user.email)))
    if new and passwords.verify_password(user.password_hash, new):
        problems.append("Your new password must be different from your current one")
    if problems:
        audit.record(
            "user.password_change_failed", actor, object_type="user", object_id=user.id, now=now
        )
        raise AccountError("; ".join(problems))
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    ended = end_all_sessions(user.id, "password_change", now=now, keep_id=keep_session_id)
    audit.record(
        "user.password_change",
        actor,
        object_type="user",
        object_id=user.id,
        details={"other_sessions_ended": ended},
        now=now,
    )


def set_password(user: User, new: str, actor: Actor, *, now: datetime) -> None:
    """An administrator sets (resets) a user's password: every session of the user ends, and
    the user must choose their own at the next sign-in before anything else (G8)."""
    if actor.user_id == user.id:
        raise AccountError("Change your own password from your account page")
    problems = passwords.password_problems(new, context=(user.name, user.email))
    if problems:
        raise AccountError("; ".join(problems))
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.must_change_password = True
    user.failed_sign_ins = 0
    ended = end_all_sessions(user.id, "password_reset", now=now)
    audit.record(
        "user.password_set",
        actor,
        object_type="user",
        object_id=user.id,
        details={"sessions_ended": ended, "must_change_password": True},
        now=now,
    )
