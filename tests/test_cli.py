"""The operator commands, run through Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import select

from triage.extensions import db
from triage.models import ApiToken, User
from triage.services.tokens import user_for_token
from triage.timeutil import utcnow


def test_create_user_reads_the_password_from_stdin(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "triage",
            "create-user",
            "--email",
            "New.Person@Example.test",
            "--role",
            "idva",
            "--role",
            "screener",
            "--password-stdin",
        ],
        input="a-long-enough-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user.roles == {"idva", "screener"}
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_weak_password(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=[
            "triage",
            "create-user",
            "--email",
            "weak@example.test",
            "--role",
            "idva",
            "--password-stdin",
        ],
        input="password\n",
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(User).where(User.email == "weak@example.test")) is None


def test_create_token_prints_a_token_whose_hash_alone_is_stored(app, app_ctx):
    from tests.factories import make_user

    user = make_user(email="api@example.test", roles=["referrer"])
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["triage", "create-token", "--email", "api@example.test"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token not in stored.token_hash
    assert user_for_token(token, now=utcnow()).id == user.id
    assert user_for_token(token + "x", now=utcnow()) is None


def test_seed_demo_creates_a_login_for_every_role(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["triage", "seed-demo"])
    assert result.exit_code == 0, result.output
    roles = set()
    for user in db.session.scalars(select(User).where(User.email.like("%@demo.triage.test"))):
        roles |= user.roles
    from triage.models import ROLES

    assert roles == set(ROLES)
    assert "demo-screener-triage" in result.output


def test_seed_demo_refuses_in_production(app, app_ctx):
    app.config["SEED_DEMO_ALLOWED"] = False
    try:
        result = app.test_cli_runner().invoke(args=["triage", "seed-demo"])
    finally:
        app.config["SEED_DEMO_ALLOWED"] = True
    assert result.exit_code != 0
    assert "production" in result.output


def test_verify_audit_reports_an_intact_chain(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["triage", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_revoke_tokens_refuses_the_token_from_then_on(app, app_ctx):
    from tests.factories import make_user
    from triage.models import AuditEvent

    make_user(email="leaked@example.test", roles=["referrer"])
    db.session.commit()
    runner = app.test_cli_runner()
    token = runner.invoke(args=["triage", "create-token", "--email", "leaked@example.test"])
    token = token.output.strip()
    assert user_for_token(token, now=utcnow()) is not None
    result = runner.invoke(args=["triage", "revoke-tokens", "--email", "leaked@example.test"])
    assert result.exit_code == 0, result.output
    assert "Revoked 1 token(s)" in result.output
    assert user_for_token(token, now=utcnow()) is None
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert last.action == "api_token.revoke"
    assert last.details == {"revoked": 1}
