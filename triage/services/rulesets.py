"""Stored rule sets: which version decides new referrals, and the versions old ones used.

A rule set is stored as the exact YAML text an administrator gave, under its own version.
Activating a version changes what *new* referrals are assessed with; every referral keeps
the `ruleset_version` and assessment it was decided under, so nothing old is re-decided.

When nothing is stored (a fresh installation), the packaged default rule set is active.
Parsed rule sets are cached by (version, hash of the text): parsing is pure, stored
versions are never edited, and the hash guards against a version stored differently in
another database (tests).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from triage.extensions import db
from triage.models import RuleSetVersion
from triage.rules import InvalidRuleSet, RuleSet, default_ruleset, parse_ruleset
from triage.services import audit
from triage.services.actor import Actor

# Text pasted into the admin page; larger than any real rule set (the default is ~10 kB).
MAX_SOURCE_CHARS = 200_000

_cache: dict[tuple[str, str], RuleSet] = {}
_cache_lock = threading.Lock()


class UnknownRuleSet(LookupError):
    """No stored or packaged rule set has this version."""


@dataclass(frozen=True)
class RuleSetInfo:
    """One row of the admin list: a stored version, or the packaged default."""

    version: str
    active: bool
    stored: bool
    created_at: datetime | None
    created_by_id: int | None
    description: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parsed(version: str, source: str) -> RuleSet:
    key = (version, _digest(source))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    ruleset = parse_ruleset(source, source=f"stored rule set {version}")
    with _cache_lock:
        _cache[key] = ruleset
    return ruleset


def parsed(version: str, source: str) -> RuleSet:
    """A stored rule set's text, parsed once per process (by version and hash of the text)."""
    return _parsed(version, source)


def _active_row() -> tuple[str, str] | None:
    row = db.session.execute(
        select(RuleSetVersion.version, RuleSetVersion.source)
        .where(RuleSetVersion.active.is_(True))
        .order_by(RuleSetVersion.id.desc())
        .limit(1)
    ).first()
    return (row.version, row.source) if row else None


def active_ruleset() -> RuleSet:
    """The rule set new referrals are assessed with (the packaged default if none stored)."""
    row = _active_row()
    if row is None:
        return default_ruleset()
    return _parsed(*row)


def ruleset_by_version(version: str) -> RuleSet:
    """A stored version, or the packaged default by its version; UnknownRuleSet otherwise."""
    source = db.session.scalar(
        select(RuleSetVersion.source).where(RuleSetVersion.version == version)
    )
    if source is not None:
        return _parsed(version, source)
    packaged = default_ruleset()
    if version == packaged.version:
        return packaged
    raise UnknownRuleSet(f"No rule set with version {version!r}")


def list_rulesets() -> list[RuleSetInfo]:
    """Every stored version, newest first, plus the packaged default if it is not stored."""
    rows = db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.id.desc())).all()
    any_active = any(row.active for row in rows)
    infos = [
        RuleSetInfo(
            version=row.version,
            active=row.active,
            stored=True,
            created_at=row.created_at,
            created_by_id=row.created_by_id,
            description=_parsed(row.version, row.source).description,
        )
        for row in rows
    ]
    packaged = default_ruleset()
    if all(row.version != packaged.version for row in rows):
        infos.append(
            RuleSetInfo(
                version=packaged.version,
                active=not any_active,
                stored=False,
                created_at=None,
                created_by_id=None,
                description=packaged.description,
            )
        )
    return infos


def add_ruleset(
    source_text: str, actor: Actor, activate: bool = False, *, now: datetime
) -> RuleSetVersion:
    """Validate and store a new version; raises InvalidRuleSet listing every problem.

    A version that is already stored (or is the packaged default's) is refused: a version
    that has decided cases must never change meaning.
    """
    if len(source_text) > MAX_SOURCE_CHARS:
        raise InvalidRuleSet([f"the rule set is longer than {MAX_SOURCE_CHARS} characters"])
    ruleset = parse_ruleset(source_text, source="uploaded rule set")
    taken = db.session.scalar(
        select(RuleSetVersion.id).where(RuleSetVersion.version == ruleset.version)
    )
    if taken is not None or ruleset.version == default_ruleset().version:
        raise InvalidRuleSet(
            [f"version: {ruleset.version!r} is already used; give the new rule set a new version"],
            source="uploaded rule set",
        )
    row = RuleSetVersion(
        version=ruleset.version,
        source=source_text,
        active=False,
        created_by_id=actor.user_id,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "ruleset.add",
        actor,
        object_type="rule_set",
        object_id=row.id,
        details={"version": row.version, "sha256": _digest(source_text)},
        now=now,
    )
    if activate:
        activate_version(row.version, actor, now=now)
    return row


def activate_version(version: str, actor: Actor, *, now: datetime) -> RuleSetVersion:
    """Make `version` decide new referrals from now on. The packaged default can be
    re-activated: it is stored first, so that every active rule set is a row."""
    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.version == version))
    if row is None:
        packaged = default_ruleset()
        if version != packaged.version:
            raise UnknownRuleSet(f"No rule set with version {version!r}")
        row = RuleSetVersion(
            version=packaged.version,
            source=packaged.source,
            active=False,
            created_by_id=actor.user_id,
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
    previous = _active_row()
    db.session.execute(
        update(RuleSetVersion)
        .where(RuleSetVersion.active.is_(True), RuleSetVersion.id != row.id)
        .values(active=False)
    )
    row.active = True
    db.session.flush()
    audit.record(
        "ruleset.activate",
        actor,
        object_type="rule_set",
        object_id=row.id,
        details={
            "version": row.version,
            "previous": previous[0] if previous else default_ruleset().version,
        },
        now=now,
    )
    return row


# The name the brief uses; `activate_version` reads better next to add_ruleset(activate=...).
activate = activate_version
