"""The built-in rule types. The rule set YAML refers to them by these names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.rules.registry import Context, Outcome, codes_from, register, whole_number
from triage.rules.text import (
    add_months,
    as_utc,
    count_of,
    iso_utc,
    join_and,
    london_date,
    lower_first,
)


@register("score_at_least", threshold=whole_number(1))
def score_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    threshold = params["threshold"]
    questions = len(ctx.ruleset.dash_questions)
    return Outcome(
        fired=ctx.score >= threshold,
        inputs={"score": ctx.score, "questions": questions},
        reason=(
            f"{ctx.score} of {questions} {ctx.ruleset.instrument} questions answered yes "
            f"(threshold {threshold})."
        ),
    )


@register("callouts_at_least", threshold=whole_number(1))
def callouts_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    threshold = params["threshold"]
    callouts = ctx.facts.police_callouts_12m
    return Outcome(
        fired=callouts >= threshold,
        inputs={"police_callouts_12m": callouts},
        reason=(
            f"{count_of(callouts, 'police call-out')} in the last 12 months "
            f"(threshold {threshold})."
        ),
    )


@register("professional_judgement")
def professional_judgement(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    facts = ctx.facts
    if not facts.professional_judgement:
        return Outcome(fired=False, inputs={"professional_judgement": False})
    text = facts.professional_judgement_reason.strip()
    # The practitioner's own words end the sentence; don't double their full stop.
    ending = "" if text.endswith((".", "!", "?")) else "."
    return Outcome(
        fired=True,
        inputs={"professional_judgement": True, "professional_judgement_reason": text},
        reason=f"the practitioner judged the case high risk: {text}{ending}",
    )


@register("repeat_within", months=whole_number(1))
def repeat_within(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """A new referral within N calendar months of the last referral to MARAC.

    The window is computed on UTC instants: it ends at the same UTC time of day,
    N calendar months after the last referral (docs/rules.md explains the choice).
    """
    months = params["months"]
    last = ctx.facts.last_marac_referral_at
    received = ctx.facts.received_at
    if last is None:
        return Outcome(fired=False, inputs={"last_marac_referral_at": None})
    window_ends = add_months(as_utc(last), months)
    return Outcome(
        fired=as_utc(received) <= window_ends,
        inputs={
            "last_marac_referral_at": iso_utc(last),
            "received_at": iso_utc(received),
            "window_ends_at": iso_utc(window_ends),
        },
        reason=(
            f"last referred to MARAC on {london_date(last)}, within "
            f"{count_of(months, 'month')} of this referral on {london_date(received)}."
        ),
    )


@register(
    "mcic_needs",
    min_needs=whole_number(1),
    min_needs_with_managed_perpetrator=whole_number(1),
    managed_under_any_of=codes_from("perpetrator_management"),
)
def mcic_needs(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """Enough complex needs, or fewer needs while the perpetrator is under named management."""
    needs = ctx.facts.victim_needs
    managed = [c for c in ctx.facts.perpetrator_management if c in params["managed_under_any_of"]]
    by_count = len(needs) >= params["min_needs"]
    by_management = bool(managed) and len(needs) >= params["min_needs_with_managed_perpetrator"]
    inputs = {"victim_needs": list(needs), "perpetrator_management": list(managed)}
    if not (by_count or by_management):
        return Outcome(fired=False, inputs=inputs)

    need_labels = ctx.ruleset.victim_need_labels
    reason = f"victim needs {join_and([lower_first(need_labels[c]) for c in needs])}"
    if not by_count:
        management_labels = ctx.ruleset.perpetrator_management_labels
        reason += "; perpetrator managed under " + join_and(
            [lower_first(management_labels[c]) for c in managed]
        )
    return Outcome(fired=True, inputs=inputs, reason=reason + ".", items=tuple(needs))
