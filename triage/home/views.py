"""The signed-in home page: what this user has to do, by role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from triage.auth.decorators import requires
from triage.extensions import db
from triage.models import Referral
from triage.permissions.cases import visible_referrals_clause
from triage.services.notifications import unread_for

bp = Blueprint("home", __name__)

NAV = [("Home", "home.index", "account.self")]


@bp.route("/")
@requires("account.self")
def index():
    referrals = db.session.scalars(
        select(Referral)
        .where(visible_referrals_clause(current_user))
        .order_by(Referral.received_at.desc())
        .limit(25)
    ).all()
    # Each names its case; it links there only for a reader who may open it.
    notifications = unread_for(current_user, limit=10)
    return render_template(
        "home/index.html", referrals=referrals, notifications=notifications, active="home.index"
    )
