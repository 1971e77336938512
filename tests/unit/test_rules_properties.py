"""Property tests of the rule engine over generated facts.

RULES_HYPOTHESIS_PROFILE=rules-thorough runs many more examples; the default is fast.
The profile is applied per test, so loading it does not change other modules' settings.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.rules import (
    ANSWERS,
    MARAC_CRITERIA,
    RISK_LEVELS,
    Assessment,
    InvalidFacts,
    assess,
    default_ruleset,
)
from triage.rules.text import add_months

settings.register_profile("rules-fast", max_examples=100, deadline=None)
settings.register_profile("rules-thorough", max_examples=2000, deadline=None)
PROFILE = settings.get_profile(os.environ.get("RULES_HYPOTHESIS_PROFILE", "rules-fast"))

RULES = default_ruleset()
NEEDS = [entry.code for entry in RULES.victim_needs]
MANAGEMENT = [entry.code for entry in RULES.perpetrator_management]

moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Europe/London")]),
)
answers = st.dictionaries(st.integers(1, 24), st.sampled_from(ANSWERS), max_size=24)


@st.composite
def valid_facts(draw: st.DrawFn) -> dict[str, object]:
    received = draw(moments)
    facts: dict[str, object] = {
        "dash": draw(answers),
        "received_at": received,
        "police_callouts_12m": draw(st.integers(0, 8)),
        "victim_needs": draw(st.lists(st.sampled_from(NEEDS), unique=True, max_size=4)),
        "perpetrator_management": draw(st.lists(st.sampled_from(MANAGEMENT), unique=True)),
    }
    if draw(st.booleans()):
        facts["professional_judgement"] = True
        facts["professional_judgement_reason"] = draw(st.text(min_size=1).filter(str.strip))
    if draw(st.booleans()):
        facts["last_marac_referral_at"] = received - draw(
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800))
        )
    return facts


def rank(level: str) -> int:
    return RISK_LEVELS.index(level)


@PROFILE
@given(answers, st.booleans())
def test_score_is_the_number_of_yes_answers(dash, string_keys):
    if string_keys:  # keys arrive as strings from JSON and form data
        dash = {str(number): answer for number, answer in dash.items()}
    result = assess({"dash": dash, "received_at": datetime(2027, 1, 1, tzinfo=UTC)})
    values = list(dash.values())
    assert result.score == values.count("yes")
    assert result.answered == values.count("yes") + values.count("no")
    assert result.risk_level == RULES.risk_level_for(result.score)


@PROFILE
@given(valid_facts(), st.integers(1, 24))
def test_a_yes_never_lowers_the_risk_nor_removes_a_criterion(facts, question):
    before = assess(facts)
    after = assess({**facts, "dash": {**facts["dash"], question: "yes"}})
    assert after.score >= before.score
    assert rank(after.risk_level) >= rank(before.risk_level)
    assert set(before.marac_criteria) <= set(after.marac_criteria)
    assert (after.mcic, after.mcic_needs) == (before.mcic, before.mcic_needs)


@PROFILE
@given(valid_facts())
def test_assessment_is_consistent_and_round_trips(facts):
    result = assess(facts)
    assert result.marac is bool(result.marac_criteria)
    assert result.marac_criteria == [n for n in MARAC_CRITERIA if n in result.marac_criteria]
    assert result.mcic_needs == [n for n in NEEDS if n in result.mcic_needs]
    # One reason per trace entry: the risk band, then each rule that fired.
    assert len(result.reasons) == len(result.fired)
    assert [e["rule"] for e in result.fired[1:]] == result.marac_criteria + (
        ["mcic"] if result.mcic else []
    )
    if facts.get("professional_judgement"):
        assert result.risk_level == "high"
    assert Assessment.from_json(result.to_json()) == result
    assert Assessment.from_dict(result.to_dict()) == result


@PROFILE
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31)),
    st.integers(1, 60),
)
def test_add_months_matches_dateutil(moment, months):
    assert add_months(moment, months) == moment + relativedelta(months=months)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 30),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(ANSWERS + tuple(NEEDS) + tuple(MANAGEMENT)),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.sampled_from(NEEDS)), max_size=4),
    st.dictionaries(st.one_of(st.integers(-2, 30), st.text(max_size=3)), st.text(max_size=6)),
    moments,
    st.datetimes(),
)


@PROFILE
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "dash",
                "police_callouts_12m",
                "professional_judgement",
                "professional_judgement_reason",
                "victim_needs",
                "perpetrator_management",
                "received_at",
                "last_marac_referral_at",
                "unknown",
            ]
        ),
        junk,
    )
)
def test_bad_facts_give_invalid_facts_never_another_error(facts):
    try:
        result = assess(facts)
    except InvalidFacts as exc:
        assert exc.errors
        assert all(set(error) == {"field", "message"} for error in exc.errors)
        assert all(isinstance(error["field"], str) and error["message"] for error in exc.errors)
    else:
        assert isinstance(result, Assessment)
        assert result.ruleset_version == RULES.version
