"""Demo data for `make run`: one account per role and realistic referrals. Never in production."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

import pyotp

from triage.extensions import db
from triage.models import User
from triage.services import accounts
from triage.services.actor import Actor

DEMO_DOMAIN = "demo.triage.test"

# (local part, display name, agency, roles). The passwords are public by design: demo only.
DEMO_USERS = [
    ("idva", "Isla Idva (demo)", "IDVA service", ["idva"]),
    ("referrer", "Rob Referrer (demo)", "Police", ["referrer"]),
    ("screener", "Sam Screener (demo)", "S2S", ["screener"]),
    ("lead", "Lee Lead (demo)", "S2S", ["screener", "s2s_lead"]),
    ("coordinator", "Cora Coordinator (demo)", "MARAC", ["marac_coordinator"]),
    ("manager", "Mo Manager (demo)", "Community Safety", ["manager"]),
    ("admin", "Ada Admin (demo)", "Council IT", ["admin"]),
]


class DemoRefused(RuntimeError):
    pass


def demo_password(local_part: str) -> str:
    return f"demo-{local_part}-triage"


def demo_totp_secret(local_part: str) -> str:
    """The published TOTP secret of a demo account: anyone may compute it. Demo only."""
    digest = hashlib.sha256(f"triage demo account {local_part}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def demo_code(user: User, now: datetime) -> str:
    """The code a demo user can sign in with now (the first one not yet used), so that a
    person trying the demo needs no authenticator app. Demo accounts only."""
    local, _, domain = user.email.partition("@")
    if domain != DEMO_DOMAIN or user.totp_secret != demo_totp_secret(local):
        raise DemoRefused("Codes are printed only for demo accounts")
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    last = user.totp_last_counter if user.totp_last_counter is not None else -1
    counter = max(current, last + 1)
    if counter > current + 1:
        raise DemoRefused("This account's codes for now are used up: try again in 30 seconds")
    return totp.generate_otp(counter)


def seed(days: int = 60) -> list[tuple[str, str, list[str]]]:
    """Create the demo accounts (and referrals, when the intake service is present)."""
    actor = Actor.system("seed-demo")
    logins = []
    users: dict[str, User] = {}
    for local, name, agency, roles in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        password = demo_password(local)
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(
                email=email, name=name, agency=agency, roles=roles, password=password, actor=actor
            )
        if user.totp_secret is None:
            user.totp_secret = demo_totp_secret(local)  # pre-enrolled: see demo_code()
        users[local] = user
        logins.append((email, password, roles))
    db.session.flush()
    return logins
