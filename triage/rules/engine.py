"""assess(): apply a rule set to one referral's facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.rules.assessment import Assessment
from triage.rules.catalogue import MARAC_CRITERIA, MCIC_TITLE, NO, RISK_LEVELS, YES, risk_rank
from triage.rules.facts import validate_facts
from triage.rules.registry import Context, Outcome, get_rule_type
from triage.rules.ruleset import RuleSet, RuleSpec, default_ruleset

HIGHEST = RISK_LEVELS[-1]


def assess(facts: Mapping[str, Any], ruleset: RuleSet | None = None) -> Assessment:
    """Score the checklist, band the risk, test each MARAC criterion and the MCIC rule.

    Raises InvalidFacts (listing every problem) before deciding anything. Uses the
    packaged default rule set unless another is given.
    """
    ruleset = default_ruleset() if ruleset is None else ruleset
    checked = validate_facts(facts, ruleset)
    answers = checked.dash.values()
    score = sum(1 for answer in answers if answer == YES)
    answered = sum(1 for answer in answers if answer in (YES, NO))
    ctx = Context(facts=checked, ruleset=ruleset, score=score, answered=answered)

    band = ruleset.risk_level_for(score)
    # Professional judgement may raise the level, never lower it.
    level = max(band, HIGHEST, key=risk_rank) if checked.professional_judgement else band
    reasons = [_band_reason(ruleset, score, answered, band, level)]
    fired: list[dict[str, Any]] = [
        {
            "rule": "risk_level",
            "type": "risk_bands",
            "params": dict(ruleset.risk_bands),
            "inputs": {
                "score": score,
                "answered": answered,
                "professional_judgement": checked.professional_judgement,
            },
        }
    ]

    criteria = []
    for spec in ruleset.marac_criteria:
        outcome = _evaluate(spec, ctx)
        if outcome.fired:
            criteria.append(spec.name)
            reasons.append(f"{MARAC_CRITERIA[spec.name]}: {outcome.reason}")
            fired.append(_trace(spec, outcome))

    mcic = _evaluate(ruleset.mcic, ctx)
    if mcic.fired:
        reasons.append(f"{MCIC_TITLE}: {mcic.reason}")
        fired.append(_trace(ruleset.mcic, mcic))

    return Assessment(
        score=score,
        risk_level=level,
        marac_criteria=criteria,
        marac=bool(criteria),
        mcic=mcic.fired,
        mcic_needs=list(mcic.items) if mcic.fired else [],
        answered=answered,
        reasons=reasons,
        fired=fired,
        ruleset_version=ruleset.version,
    )


def _evaluate(spec: RuleSpec, ctx: Context) -> Outcome:
    return get_rule_type(spec.type).evaluate(ctx, spec.params)


def _trace(spec: RuleSpec, outcome: Outcome) -> dict[str, Any]:
    return {
        "rule": spec.name,
        "type": spec.type,
        "params": spec.trace_params(),
        "inputs": dict(outcome.inputs),
    }


def _band_reason(ruleset: RuleSet, score: int, answered: int, band: str, level: str) -> str:
    questions = len(ruleset.dash_questions)
    counted = f"{score} of {questions} {ruleset.instrument} questions answered yes"
    if level != band:
        text = f"Risk level {level}: raised from {band} by professional judgement; {counted}"
    else:
        text = f"Risk level {level}: {counted}"
    text += f" ({_band_range(ruleset, band)})"
    if answered < questions:
        # A low score from a checklist the victim could not complete is not a low risk.
        verb = "was" if answered == 1 else "were"
        text += f"; only {answered} of {questions} questions {verb} answered yes or no"
    return text + "."


def _band_range(ruleset: RuleSet, level: str) -> str:
    """ "high is 14 or more", "medium is 10 to 13", "standard is below 10"."""
    lowest = ruleset.risk_bands[level]
    higher = [low for lvl, low in ruleset.risk_bands.items() if risk_rank(lvl) > risk_rank(level)]
    if not higher:
        return f"{level} is {lowest} or more"
    top = min(higher) - 1
    if lowest == 0:
        return f"{level} is below {top + 1}"
    if lowest == top:
        return f"{level} is {lowest}"
    return f"{level} is {lowest} to {top}"
