"""`flask --app wsgi triage ...` commands for operators and developers."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from triage.extensions import db
from triage.models import ROLES, User
from triage.services.actor import Actor

triage_cli = AppGroup("triage", help="Domestic abuse triage: operations and set-up.")


@triage_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--agency", default="")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email, name, agency, roles, password_stdin):
    """Create a user with one or more roles."""
    from triage.services.accounts import AccountError
    from triage.services.accounts import create_user as create

    if not password_stdin:
        raise click.UsageError("Give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    try:
        user = create(
            email=email,
            name=name,
            agency=agency,
            roles=list(roles),
            password=password,
            actor=Actor.system("cli"),
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.id} with roles {', '.join(sorted(user.roles))}")


@triage_cli.command("create-token")
@click.option("--email", required=True)
@click.option("--label", default="cli")
def create_token(email, label):
    """Print a new API bearer token for a user (only its hash is stored)."""
    from triage.auth.tokens import create_token as create
    from triage.services import audit

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No user with that e-mail address")
    token = create(user, label)
    audit.record("api_token.create", Actor.system("cli"), object_type="user", object_id=user.id)
    db.session.commit()
    click.echo(token)


@triage_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@click.option("--days", default=60, show_default=True, help="Spread demo referrals over N days.")
def seed_demo(if_empty, days):
    """Create demo users for every role and realistic demo referrals. Never in production."""
    from triage.services.demo import DemoRefused, seed

    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("Refusing to seed demo data in production mode")
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Database already has users; demo data not added.")
        return
    try:
        logins = seed(days=days)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo("Demo sign-ins (demo data only: never use these anywhere real):")
    for email, password, roles in logins:
        click.echo(f"  {email:32} {password:24} {', '.join(roles)}")


@triage_cli.command("verify-audit")
def verify_audit():
    """Walk the audit chain; name the first bad sequence number. Exit 1 if broken."""
    from triage.services.audit import verify_stored_chain

    report = verify_stored_chain()
    if report.ok:
        click.echo(f"Audit chain intact: {report.events} events, head {report.head_hash}")
        return
    click.echo(f"Audit chain BROKEN at sequence {report.first_bad_seq}: {report.problem}", err=True)
    sys.exit(1)


@triage_cli.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def dev(host, port):
    """Run web + worker + embedded Redis together (development only)."""
    from triage import devserver

    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("`triage dev` is for development; use gunicorn in production")
    click.echo("Demo sign-ins (password = demo-<name>-triage):")
    from triage.services.demo import DEMO_DOMAIN, DEMO_USERS, demo_password

    for local, _name, _agency, roles in DEMO_USERS:
        click.echo(f"  {local}@{DEMO_DOMAIN:24} {demo_password(local):26} {', '.join(roles)}")
    sys.exit(devserver.run(current_app, host, port, click.echo))
