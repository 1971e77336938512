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
from triage.settings import Settings
from triage.timeutil import utcnow

triage_cli = AppGroup("triage", help="Domestic abuse triage: operations and set-up.")


def _settings() -> Settings:
    return Settings.from_config(current_app.config, current_app.instance_path)


@triage_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--agency", default="")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--must-change-password",
    is_flag=True,
    help="The password is for someone else: they must change it when they first sign in.",
)
def create_user(email, name, agency, roles, password_stdin, must_change_password):
    """Create a user with one or more roles."""
    from triage.services.accounts import AccountError
    from triage.services.accounts import create_user as create
    from triage.timeutil import utcnow

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
            now=utcnow(),
            must_change_password=must_change_password,
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
    from triage.services import audit
    from triage.services.tokens import create_token as create
    from triage.timeutil import utcnow

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No user with that e-mail address")
    token = create(user, label)
    audit.record(
        "api_token.create",
        Actor.system("cli"),
        object_type="user",
        object_id=user.id,
        now=utcnow(),
    )
    db.session.commit()
    click.echo(token)


@triage_cli.command("revoke-tokens")
@click.option("--email", required=True)
def revoke_tokens(email):
    """Revoke every API token of a user; their API calls are refused from now on."""
    from triage.services import audit
    from triage.services.tokens import revoke_tokens as revoke
    from triage.timeutil import utcnow

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No user with that e-mail address")
    now = utcnow()
    count = revoke(user, now=now)
    audit.record(
        "api_token.revoke",
        Actor.system("cli"),
        object_type="user",
        object_id=user.id,
        details={"revoked": count},
        now=now,
    )
    db.session.commit()
    click.echo(f"Revoked {count} token(s)")


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
        logins = seed(days=days, now=utcnow(), settings=_settings())
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo("Demo sign-ins (demo data only: never use these anywhere real):")
    for email, password, roles in logins:
        click.echo(f"  {email:32} {password:24} {', '.join(roles)}")


@triage_cli.command("synth")
@click.option("--referrals", "count", type=click.IntRange(min=1), required=True)
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=int)
def synth(count, days, seed):
    """Fill an empty database with N realistic synthetic referrals. Never in production."""
    import time

    from triage.services.synth import SynthRefused, build

    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("Refusing to generate synthetic data in production mode")
    started = time.perf_counter()
    try:
        report = build(referrals=count, days=days, seed=seed, now=utcnow(), settings=_settings())
    except SynthRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    elapsed = time.perf_counter() - started
    for table, rows in report.rows.items():
        click.echo(f"  {table:16} {rows:>10,}")
    click.echo(f"{count:,} referrals in {elapsed:.1f} s; audit chain head at {report.head_seq:,}")


@triage_cli.command("demo-code")
@click.argument("email")
def demo_code(email):
    """Print the current sign-in code of a demo account (demo only, never in production)."""
    from triage.services.demo import DemoRefused
    from triage.services.demo import demo_code as code_for

    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("Refusing to print codes in production mode")
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No demo account with that e-mail address")
    try:
        code = code_for(user, utcnow(), keys=_settings().totp_keys)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Code for {user.email}: {code}")


@triage_cli.command("rotate-totp-key")
def rotate_totp_key():
    """Re-encrypt every TOTP secret under the current TOTP_ENCRYPTION_KEY (and encrypt any
    still in clear). Run after a new key is set with the old one in TOTP_ENCRYPTION_OLD_KEYS;
    then the old key can be dropped (docs/operations.md)."""
    from triage.services.mfa import rotate_secrets
    from triage.totp_keys import TotpKeyError

    keys = _settings().totp_keys
    try:
        count = rotate_secrets(keys, Actor.system("cli"), now=utcnow())
    except TotpKeyError as exc:
        raise click.ClickException(f"{exc}: add it to TOTP_ENCRYPTION_OLD_KEYS") from exc
    db.session.commit()
    click.echo(f"Re-encrypted {count} TOTP secret(s) under key {keys.current_id}")


@triage_cli.command("verify-audit")
def verify_audit():
    """Walk the audit chain and check it against every signed checkpoint; name the first
    bad sequence number. Exit 1 if broken or truncated."""
    from triage.services.audit_checkpoint import verify_with_checkpoints

    try:
        report = verify_with_checkpoints(_settings())
    except ValueError as exc:  # an unreadable checkpoint file is itself a failure
        click.echo(f"Audit checkpoints unreadable: {exc}", err=True)
        sys.exit(1)
    if report.ok:
        click.echo(
            f"Audit chain intact: {report.events} events, head {report.head_hash}, "
            f"{report.checkpoints} checkpoints agree"
        )
        return
    click.echo(f"Audit chain BROKEN at sequence {report.first_bad_seq}: {report.problem}", err=True)
    for note in report.notes[1:]:
        click.echo(f"  also {note}", err=True)
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
        email = f"{local}@{DEMO_DOMAIN}"
        click.echo(f"  {email:32} {demo_password(local):26} {', '.join(roles)}")
    click.echo(
        "Then a second step asks for a code. Print one with:\n"
        "  .venv/bin/flask --app wsgi triage demo-code <e-mail>\n"
        "or add the published demo key (triage.services.demo.demo_totp_secret) to an"
        " authenticator app."
    )
    sys.exit(devserver.run(current_app, host, port, click.echo))


@triage_cli.command("audit-checkpoint")
def audit_checkpoint():
    """Write a signed checkpoint of the audit chain head (file, log line, system_state)."""
    from triage.services.audit_checkpoint import write_checkpoint

    checkpoint = write_checkpoint(utcnow(), settings=_settings())
    db.session.commit()
    click.echo(f"Audit checkpoint at sequence {checkpoint.seq}, hash {checkpoint.hash}")


@triage_cli.command("db-roles")
@click.option("--app-role", required=True, help="The login role the app and workers use.")
def db_roles(app_role):
    """PostgreSQL: grant the app role its privileges (SELECT, INSERT only on audit_events).
    Run as the schema owner, after `flask db upgrade`."""
    from triage.services.db_roles import apply_grants

    try:
        statements = apply_grants(db.session.connection(), app_role)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for statement in statements:
        click.echo(statement + ";")


@triage_cli.command("purge")
def purge():
    """Erase referrals past their retention date; anonymise people in no live referral."""
    from triage.services.lifecycle import purge_expired

    report = purge_expired(now=utcnow(), actor=Actor.system("cli"))
    db.session.commit()
    click.echo(f"Purged {len(report.referrals)} referrals, anonymised {len(report.persons)} people")


@triage_cli.command("export-person")
@click.option("--person-id", required=True, type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_person(person_id, out):
    """Subject-access export of everything held about one person, as JSON (mode 0600)."""
    import json
    import os

    from triage.services.lifecycle import LifecycleError
    from triage.services.subject_access import export_person as export

    try:
        data = export(person_id, actor=Actor.system("cli"), now=utcnow())
    except LifecycleError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
    db.session.commit()
    click.echo(f"Exported person {person_id} ({len(data['referrals'])} referrals) to {out}")


@triage_cli.command("import-referrals")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-user", "email", default=None, help="Record the import as this user's.")
@click.option(
    "--large",
    is_flag=True,
    help="Lift the web upload's size and row limits (a whole force's backlog at once).",
)
def import_referrals(csv_file, email, large):
    """Import police notifications from a CSV file (layout: docs/import.md).

    Exits 1 when any row was rejected; accepted rows are kept either way."""
    from triage.services import due_action_queue, importer

    actor = Actor.system("import-referrals")
    if email:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException("No user with that e-mail address")
        actor = Actor.for_user(user, via="system")
    with open(csv_file, "rb") as handle:
        content = handle.read() if large else handle.read(importer.MAX_BYTES + 1)
    try:
        now = utcnow()
        report = importer.import_referrals(
            content, actor=actor, now=now, settings=_settings(), limited=not large
        )
    except importer.ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    queued = due_action_queue.queued(report.due_action_ids)
    db.session.commit()
    due_action_queue.enqueue(queued, now=now)  # after the commit; the mark is committed next
    db.session.commit()
    for line in importer.report_lines(report):
        click.echo(line)
    if report.rejected:
        sys.exit(1)


@triage_cli.command("replay")
@click.option("--ruleset", "ruleset_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--version", "version", default=None, help="A stored rule-set version instead.")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
def replay(ruleset_file, version, date_from, date_to):
    """Re-assess referrals received FROM..TO (London dates, inclusive) under another rule
    set, changing nothing; print how many would change and a table of the changes."""
    from triage.rules import InvalidRuleSet, load_ruleset
    from triage.services import replay as replaying
    from triage.services.rulesets import UnknownRuleSet, ruleset_by_version

    if bool(ruleset_file) == bool(version):
        raise click.UsageError("Give exactly one of --ruleset FILE or --version VERSION")
    try:
        ruleset = load_ruleset(ruleset_file) if ruleset_file else ruleset_by_version(version)
        report = replaying.replay(
            ruleset, date_from.date(), date_to.date(), actor=Actor.system("replay"), now=utcnow()
        )
    except (InvalidRuleSet, UnknownRuleSet, replaying.ReplayRangeInvalid) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()  # the audit event of the run; no referral is changed
    for line in replaying.report_lines(report):
        click.echo(line)


@triage_cli.command("recompute-working-hours")
@click.option(
    "--refresh",
    is_flag=True,
    help="Recompute every offer under today's calendar, not only those without a value.",
)
def recompute_working_hours(refresh):
    """Fill (or refresh) each offer's stored working hours, used by the reports."""
    from triage.services.calendar import current_calendar
    from triage.services.reports import working_hours
    from triage.timeutil import utcnow

    result = working_hours.recompute(
        db.session,
        calendar=current_calendar(_settings().calendar),
        refresh=refresh,
        actor=Actor.system("cli"),
        now=utcnow(),
    )
    db.session.commit()
    click.echo(f"Examined {result.examined} offers; {result.changed} changed")
