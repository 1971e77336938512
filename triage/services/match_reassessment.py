"""Re-assessing a referral when a screener links its victim or perpetrator to an earlier
person ("possible earlier referral", `possible_matches`).

At intake the referrer could not be shown the earlier cases, so the referral was assessed
with a new person record and no MARAC history. Once linked, the pair may have been referred
to MARAC within the last 12 months: a repeat, heard again whatever its score (DOMAIN.md).
So the link re-runs the referral's own rule set with the pair's history, in the link's
transaction; a changed assessment keeps the old and the new (`assessment_records`), a case
that now meets the criteria is listed at MARAC at once, and the re-assessment is audited.
A listing already made is never withdrawn here (that is the coordinator's call), even in
the rare case where the link takes a repeat away (the replaced record was shared with a
later referral whose history made this one a repeat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from triage.models import MaracListing, Referral
from triage.rules import Assessment, assess
from triage.services import assessment_history, audit, marac_listing
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.referral_summary import facts_for
from triage.services.repeats import last_marac_referral_at
from triage.services.rulesets import ruleset_by_version
from triage.settings import Settings

CAUSE = "match_linked"


@dataclass(frozen=True)
class Reassessed:
    changed: bool  # did the stored assessment change?
    newly_marac: bool  # does the case meet the MARAC criteria only now?
    listing: MaracListing | None  # the listing made by the re-assessment


def reassess(referral: Referral, *, actor: Actor, now: datetime, settings: Settings) -> Reassessed:
    """Re-run the referral's assessment with its (now linked) people's MARAC history."""
    facts = facts_for(referral)
    facts.setdefault("received_at", referral.received_at)
    last_marac = last_marac_referral_at(
        referral.victim_id, referral.perpetrator_id, referral.received_at
    )
    facts["last_marac_referral_at"] = last_marac
    new = assess(facts, ruleset_by_version(referral.ruleset_version))
    old = Assessment.from_dict(referral.assessment)
    changed = new != old
    newly_marac = new.marac and not old.marac
    if changed:
        assessment_history.keep(referral, new, cause=CAUSE, actor=actor, now=now)
        referral.answers = {
            **(referral.answers or {}),
            "last_marac_referral_at": last_marac.astimezone(UTC).isoformat()
            if last_marac
            else None,
        }
        referral.assessment = new.to_dict()
        referral.risk_level, referral.score = new.risk_level, new.score
        referral.marac, referral.mcic = new.marac, new.mcic
        referral.updated_at = now
    _audit(referral, old, new, actor=actor, now=now)
    listing = None
    if newly_marac and referral.status != "closed":  # a closed case is never listed
        listing = marac_listing.list_referral(
            referral.id,
            now=now,
            actor=actor,
            settings=settings.marac,
            calendar=current_calendar(settings.calendar),
        )
    return Reassessed(changed, newly_marac, listing)


def _audit(referral: Referral, old: Assessment, new: Assessment, *, actor: Actor, now: datetime):
    """What changed, as codes and levels only (no personal data)."""
    audit.record(
        "referral.reassess",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "cause": CAUSE,
            "changed": new != old,
            "risk_level": [old.risk_level, new.risk_level],
            "marac": [old.marac, new.marac],
            "criteria_added": [c for c in new.marac_criteria if c not in old.marac_criteria],
        },
        now=now,
    )
