"""Rule-set storage: the active version decides new referrals; stored versions never change."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.factories import make_user
from triage.extensions import db
from triage.models import AuditEvent, RuleSetVersion
from triage.rules import InvalidRuleSet, default_ruleset
from triage.services import rulesets
from triage.services.actor import Actor
from triage.timeutil import utcnow

DEFAULT = default_ruleset()


def variant(version: str, callouts: int = 3) -> str:
    """The packaged rule set under another version, optionally with another call-out threshold."""
    text = DEFAULT.source.replace(f'version: "{DEFAULT.version}"', f'version: "{version}"', 1)
    assert f'"{version}"' in text
    if callouts != 3:
        text = text.replace("params: {threshold: 3}", f"params: {{threshold: {callouts}}}", 1)
        assert f"threshold: {callouts}" in text
    return text


def actions() -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [(row.action, row.details) for row in rows]


def test_packaged_default_is_active_when_nothing_is_stored(app_ctx):
    assert rulesets.active_ruleset() is DEFAULT
    assert rulesets.ruleset_by_version(DEFAULT.version) is DEFAULT
    listed = rulesets.list_rulesets()
    assert [(v.version, v.active, v.stored) for v in listed] == [(DEFAULT.version, True, False)]


def test_add_without_activating_keeps_the_active_rule_set(app_ctx):
    admin = make_user(roles=["admin"])
    row = rulesets.add_ruleset(variant("2027.1-test", 2), Actor.for_user(admin), now=utcnow())
    assert row.active is False and row.created_by_id == admin.id
    assert rulesets.active_ruleset().version == DEFAULT.version
    stored = rulesets.ruleset_by_version("2027.1-test")
    assert stored.marac_criteria[2].params["threshold"] == 2
    text_hash = hashlib.sha256(variant("2027.1-test", 2).encode()).hexdigest()
    assert actions()[-1] == ("ruleset.add", {"version": "2027.1-test", "sha256": text_hash})


def test_add_and_activate_then_go_back_to_the_packaged_default(app_ctx):
    actor = Actor.system("test")
    rulesets.add_ruleset(variant("2027.1-test", 2), actor, activate=True, now=utcnow())
    assert rulesets.active_ruleset().version == "2027.1-test"
    assert rulesets.active_ruleset().marac_criteria[2].params["threshold"] == 2

    rulesets.activate(DEFAULT.version, actor, now=utcnow())
    assert rulesets.active_ruleset().version == DEFAULT.version
    rows = db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version)).all()
    assert [(r.version, r.active) for r in rows] == [
        (DEFAULT.version, True),
        ("2027.1-test", False),
    ]
    activations = [d for a, d in actions() if a == "ruleset.activate"]
    assert activations == [
        {"version": "2027.1-test", "previous": DEFAULT.version},
        {"version": DEFAULT.version, "previous": "2027.1-test"},
    ]


def test_invalid_rule_set_lists_every_problem_and_stores_nothing(app_ctx):
    text = (
        variant("2027.2-bad")
        .replace("high: 14", "high: many")
        .replace("threshold: 3", "threshold: 0")
    )
    with pytest.raises(InvalidRuleSet) as caught:
        rulesets.add_ruleset(text, Actor.system("test"), now=utcnow())
    assert len(caught.value.errors) >= 2
    assert any("risk_bands" in e for e in caught.value.errors)
    assert any("threshold" in e for e in caught.value.errors)
    assert db.session.scalar(select(RuleSetVersion.id)) is None


@pytest.mark.parametrize("version", [DEFAULT.version, "2027.1-test"])
def test_a_version_is_never_reused(app_ctx, version):
    rulesets.add_ruleset(variant("2027.1-test"), Actor.system("test"), now=utcnow())
    with pytest.raises(InvalidRuleSet, match="already used"):
        rulesets.add_ruleset(variant(version), Actor.system("test"), now=utcnow())


def test_unknown_version(app_ctx):
    with pytest.raises(rulesets.UnknownRuleSet):
        rulesets.ruleset_by_version("1999.1-none")
    with pytest.raises(rulesets.UnknownRuleSet):
        rulesets.activate("1999.1-none", Actor.system("test"), now=utcnow())
