"""Demo data for `make run`: one account per role and realistic referrals. Never in production."""

from __future__ import annotations

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
        users[local] = user
        logins.append((email, password, roles))
    db.session.flush()
    return logins
