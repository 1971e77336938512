"""Table-driven tests of every rule, band edge and error of triage.rules.assess."""

from __future__ import annotations

import ast
import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from triage.rules import Assessment, InvalidFacts, assess, compare, load_ruleset

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2027, 2, 2, 10, 0, tzinfo=UTC)


def dash(yes: int = 0, no: int = 0, dont_know: int = 0) -> dict[int, str]:
    """Answers for questions 1.. in order: `yes` yeses, then noes, then don't knows."""
    answers = ["yes"] * yes + ["no"] * no + ["dont_know"] * dont_know
    assert len(answers) <= 24
    return {number: answer for number, answer in enumerate(answers, start=1)}


def facts(**overrides: object) -> dict[str, object]:
    return {"received_at": RECEIVED, **overrides}


# --- risk bands and visible high risk -------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "level", "criteria", "band_reason"),
    [
        pytest.param(
            0,
            "standard",
            [],
            "Risk level standard: 0 of 24 Dash questions answered yes (standard is below 10).",
            id="0-standard",
        ),
        pytest.param(
            9,
            "standard",
            [],
            "Risk level standard: 9 of 24 Dash questions answered yes (standard is below 10).",
            id="9-standard",
        ),
        pytest.param(
            10,
            "medium",
            [],
            "Risk level medium: 10 of 24 Dash questions answered yes (medium is 10 to 13).",
            id="10-medium",
        ),
        pytest.param(
            13,
            "medium",
            [],
            "Risk level medium: 13 of 24 Dash questions answered yes (medium is 10 to 13).",
            id="13-medium",
        ),
        pytest.param(
            14,
            "high",
            ["visible_high_risk"],
            "Risk level high: 14 of 24 Dash questions answered yes (high is 14 or more).",
            id="14-high",
        ),
        pytest.param(
            24,
            "high",
            ["visible_high_risk"],
            "Risk level high: 24 of 24 Dash questions answered yes (high is 14 or more).",
            id="24-high",
        ),
    ],
)
def test_bands_and_visible_high_risk(yes, level, criteria, band_reason):
    result = assess(facts(dash=dash(yes=yes, no=24 - yes)))
    assert result.score == yes
    assert result.answered == 24
    assert result.risk_level == level
    assert result.marac_criteria == criteria
    assert result.marac is bool(criteria)
    assert result.reasons[0] == band_reason


def test_visible_high_risk_reason_and_trace():
    result = assess(facts(dash=dash(yes=15, no=9)))
    assert result.reasons[1] == (
        "Visible high risk: 15 of 24 Dash questions answered yes (threshold 14)."
    )
    assert result.fired[1] == {
        "rule": "visible_high_risk",
        "type": "score_at_least",
        "params": {"threshold": 14},
        "inputs": {"score": 15, "questions": 24},
    }


# --- potential escalation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("callouts", "criteria"),
    [
        pytest.param(0, [], id="0-callouts"),
        pytest.param(2, [], id="2-callouts-below"),
        pytest.param(3, ["potential_escalation"], id="3-callouts-at-threshold"),
        pytest.param(7, ["potential_escalation"], id="7-callouts"),
    ],
)
def test_potential_escalation(callouts, criteria):
    result = assess(facts(police_callouts_12m=callouts))
    assert result.marac_criteria == criteria
    assert result.risk_level == "standard"  # call-outs are a MARAC criterion, not a band


def test_potential_escalation_reason():
    result = assess(facts(police_callouts_12m=3))
    assert result.reasons[1:] == [
        "Potential escalation: 3 police call-outs in the last 12 months (threshold 3)."
    ]
    assert result.fired[1]["inputs"] == {"police_callouts_12m": 3}


def test_callouts_default_to_zero():
    assert assess(facts()) == assess(facts(police_callouts_12m=0))


# --- repeat ---------------------------------------------------------------------------

LAST = datetime(2026, 5, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "received", "repeat"),
    [
        pytest.param(
            LAST, datetime(2027, 5, 2, 10, 0, tzinfo=UTC), True, id="12-months-minus-a-day"
        ),
        pytest.param(LAST, datetime(2027, 5, 3, 10, 0, tzinfo=UTC), True, id="exactly-12-months"),
        pytest.param(
            LAST, datetime(2027, 5, 3, 10, 0, 1, tzinfo=UTC), False, id="12-months-plus-a-second"
        ),
        pytest.param(
            LAST, datetime(2027, 5, 4, 10, 0, tzinfo=UTC), False, id="12-months-plus-a-day"
        ),
        pytest.param(LAST, LAST, True, id="same-instant"),
        pytest.param(
            datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
            datetime(2029, 2, 28, 12, 0, tzinfo=UTC),
            True,
            id="29-feb-window-ends-28-feb",
        ),
        pytest.param(
            datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
            datetime(2029, 3, 1, 12, 0, tzinfo=UTC),
            False,
            id="29-feb-not-after-28-feb",
        ),
        # Instants are compared in UTC: 00:30 BST on 3 May 2026 is 23:30 UTC on 2 May, so
        # the window ends at 23:30 UTC on 2 May 2027, which is 00:30 BST on 3 May 2027.
        pytest.param(
            datetime(2026, 5, 3, 0, 30, tzinfo=LONDON),
            datetime(2027, 5, 3, 0, 30, tzinfo=LONDON),
            True,
            id="london-time-exactly",
        ),
        pytest.param(
            datetime(2026, 5, 3, 0, 30, tzinfo=LONDON),
            datetime(2027, 5, 3, 0, 31, tzinfo=LONDON),
            False,
            id="london-time-a-minute-late",
        ),
        pytest.param(None, RECEIVED, False, id="never-referred"),
    ],
)
def test_repeat_within_12_months(last, received, repeat):
    result = assess(facts(received_at=received, last_marac_referral_at=last))
    assert result.marac_criteria == (["repeat"] if repeat else [])
    assert result.marac is repeat


def test_repeat_reason_and_trace():
    result = assess(facts(last_marac_referral_at=LAST))
    assert result.reasons[1:] == [
        "Repeat: last referred to MARAC on 3 May 2026, within 12 months of this referral "
        "on 2 Feb 2027."
    ]
    assert result.fired[1] == {
        "rule": "repeat",
        "type": "repeat_within",
        "params": {"months": 12},
        "inputs": {
            "last_marac_referral_at": "2026-05-03T10:00:00+00:00",
            "received_at": "2027-02-02T10:00:00+00:00",
            "window_ends_at": "2027-05-03T10:00:00+00:00",
        },
    }


def test_repeat_reason_shows_london_dates():
    # 23:30 UTC on 31 Oct 2026 is still 31 Oct in London (GMT); 23:30 UTC on 30 Jun is 1 Jul BST.
    result = assess(
        facts(
            last_marac_referral_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
            received_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
        )
    )
    assert result.reasons[1] == (
        "Repeat: last referred to MARAC on 1 Jul 2026, within 12 months of this referral "
        "on 31 Oct 2026."
    )


def test_repeat_is_listed_whatever_the_score():
    result = assess(facts(dash=dash(no=24), last_marac_referral_at=LAST))
    assert (result.score, result.risk_level, result.marac) == (0, "standard", True)


# --- professional judgement -----------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "band"),
    [
        pytest.param(0, "standard", id="from-standard"),
        pytest.param(12, "medium", id="from-medium"),
        pytest.param(16, "high", id="already-high"),
    ],
)
def test_professional_judgement_raises_to_high(yes, band):
    without = assess(facts(dash=dash(yes=yes)))
    judged = assess(
        facts(
            dash=dash(yes=yes),
            professional_judgement=True,
            professional_judgement_reason="Victim says the abuser has bought a knife",
        )
    )
    assert without.risk_level == band
    assert judged.risk_level == "high"
    assert "professional_judgement" in judged.marac_criteria
    assert judged.score == without.score  # judgement changes the level, not the score


def test_professional_judgement_reasons():
    result = assess(
        facts(
            dash=dash(yes=4, no=20),
            professional_judgement=True,
            professional_judgement_reason="  Victim says the abuser has bought a knife.  ",
        )
    )
    assert result.reasons == [
        "Risk level high: raised from standard by professional judgement; 4 of 24 Dash "
        "questions answered yes (standard is below 10).",
        "Professional judgement: the practitioner judged the case high risk: Victim says the "
        "abuser has bought a knife.",
    ]
    assert result.fired[0]["inputs"] == {
        "score": 4,
        "answered": 24,
        "professional_judgement": True,
    }


def test_judgement_false_with_reason_changes_nothing():
    result = assess(facts(professional_judgement=False, professional_judgement_reason="note"))
    assert (result.risk_level, result.marac_criteria) == ("standard", [])


@pytest.mark.parametrize(
    "reason",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("   \n", id="blank"),
    ],
)
def test_judgement_without_reason_is_invalid(reason):
    raw = facts(professional_judgement=True)
    if reason is not None:
        raw["professional_judgement_reason"] = reason
    with pytest.raises(InvalidFacts) as caught:
        assess(raw)
    assert caught.value.errors == [
        {
            "field": "professional_judgement_reason",
            "message": "a written reason is required when the case is judged high risk",
        }
    ]


# --- MCIC -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs", "management", "mcic", "mcic_needs", "reason"),
    [
        pytest.param([], [], False, [], None, id="no-needs"),
        pytest.param(["alcohol"], [], False, [], None, id="one-need"),
        pytest.param(
            ["mental_health", "alcohol"],
            [],
            True,
            ["alcohol", "mental_health"],
            "Multiple complex issues: victim needs alcohol misuse and mental health.",
            id="two-needs-in-catalogue-order",
        ),
        pytest.param(
            ["housing", "drugs", "aged_60_plus"],
            ["probation"],
            True,
            ["drugs", "aged_60_plus", "housing"],
            "Multiple complex issues: victim needs substance misuse (drugs), aged 60 or over "
            "and homeless or insecure housing.",
            id="three-needs",
        ),
        pytest.param(
            ["mental_health"],
            ["iom"],
            True,
            ["mental_health"],
            "Multiple complex issues: victim needs mental health; perpetrator managed under "
            "IOM (Integrated Offender Management).",
            id="one-need-and-iom",
        ),
        pytest.param(
            ["nrpf"],
            ["mappa", "probation"],
            True,
            ["nrpf"],
            "Multiple complex issues: victim needs no recourse to public funds; perpetrator "
            "managed under MAPPA (Multi-Agency Public Protection Arrangements).",
            id="one-need-and-mappa",
        ),
        pytest.param(["alcohol"], ["probation"], False, [], None, id="one-need-and-probation"),
        pytest.param(["alcohol"], ["cj_meeting"], False, [], None, id="one-need-and-cj-meeting"),
        pytest.param([], ["iom", "mappa"], False, [], None, id="iom-without-needs"),
    ],
)
def test_mcic(needs, management, mcic, mcic_needs, reason):
    result = assess(facts(victim_needs=needs, perpetrator_management=management))
    assert result.mcic is mcic
    assert result.mcic_needs == mcic_needs
    assert result.reasons[1:] == ([reason] if reason else [])
    assert result.marac is False  # MCIC is a flag, not a MARAC criterion


def test_mcic_trace():
    result = assess(facts(victim_needs=["drugs"], perpetrator_management=["probation", "iom"]))
    assert result.fired[-1] == {
        "rule": "mcic",
        "type": "mcic_needs",
        "params": {
            "min_needs": 2,
            "min_needs_with_managed_perpetrator": 1,
            "managed_under_any_of": ["iom", "mappa"],
        },
        "inputs": {"victim_needs": ["drugs"], "perpetrator_management": ["iom"]},
    }


# --- answers that do not count, incomplete checklists ----------------------------------


@pytest.mark.parametrize(
    ("answers", "score", "answered", "level"),
    [
        pytest.param(dash(yes=13, dont_know=11), 13, 13, "medium", id="dont-know-never-counts"),
        pytest.param(
            {**dash(yes=9), **{n: "not_asked" for n in range(10, 25)}},
            9,
            9,
            "standard",
            id="not-asked-never-counts",
        ),
        pytest.param({}, 0, 0, "standard", id="empty-checklist"),
        pytest.param(
            {"1": "yes", "7": "no", 24: "yes", "12": "dont_know"}, 2, 3, "standard", id="str-keys"
        ),
        pytest.param(dash(yes=14), 14, 14, "high", id="incomplete-but-high"),
    ],
)
def test_answers_and_incomplete_checklists(answers, score, answered, level):
    result = assess(facts(dash=answers))
    assert (result.score, result.answered, result.risk_level) == (score, answered, level)


def test_incomplete_checklist_is_shown_in_the_band_reason():
    result = assess(facts(dash={1: "yes", 2: "no", 3: "dont_know"}))
    assert result.reasons == [
        "Risk level standard: 1 of 24 Dash questions answered yes (standard is below 10); "
        "only 2 of 24 questions were answered yes or no."
    ]


@pytest.mark.parametrize("empty", [None, {}], ids=["none", "empty"])
def test_missing_optional_fields_take_defaults(empty):
    raw = {
        "received_at": RECEIVED,
        "dash": empty,
        "professional_judgement": None,
        "professional_judgement_reason": None,
        "victim_needs": None,
        "perpetrator_management": None,
        "last_marac_referral_at": None,
    }
    assert assess(raw) == assess({"received_at": RECEIVED})


def test_assess_does_not_change_its_input():
    raw = facts(dash={"3": "yes"}, victim_needs=["alcohol", "drugs"])
    before = copy.deepcopy(raw)
    assess(raw)
    assert raw == before


# --- a full case ----------------------------------------------------------------------


def test_every_rule_firing_in_order():
    result = assess(
        {
            "dash": dash(yes=15, no=9),
            "police_callouts_12m": 3,
            "professional_judgement": True,
            "professional_judgement_reason": "Threats escalated since the last incident",
            "victim_needs": ["mental_health", "alcohol"],
            "perpetrator_management": ["iom"],
            "received_at": RECEIVED,
            "last_marac_referral_at": LAST,
        }
    )
    assert result.marac_criteria == [
        "visible_high_risk",
        "professional_judgement",
        "potential_escalation",
        "repeat",
    ]
    assert result.reasons == [
        "Risk level high: 15 of 24 Dash questions answered yes (high is 14 or more).",
        "Visible high risk: 15 of 24 Dash questions answered yes (threshold 14).",
        "Professional judgement: the practitioner judged the case high risk: Threats "
        "escalated since the last incident.",
        "Potential escalation: 3 police call-outs in the last 12 months (threshold 3).",
        "Repeat: last referred to MARAC on 3 May 2026, within 12 months of this referral "
        "on 2 Feb 2027.",
        "Multiple complex issues: victim needs alcohol misuse and mental health.",
    ]
    assert [entry["rule"] for entry in result.fired] == [
        "risk_level",
        "visible_high_risk",
        "professional_judgement",
        "potential_escalation",
        "repeat",
        "mcic",
    ]
    assert (result.marac, result.mcic, result.ruleset_version) == (True, True, "2026.1-dash")


# --- invalid facts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param(
            {"dash": {7: "maybe"}},
            "dash.7",
            "unknown answer 'maybe'; expected one of yes, no, dont_know, not_asked",
            id="unknown-answer",
        ),
        pytest.param({"dash": {7: None}}, "dash.7", "unknown answer None", id="none-answer"),
        pytest.param({"dash": {7: "Yes"}}, "dash.7", "unknown answer 'Yes'", id="answer-case"),
        pytest.param(
            {"dash": {25: "yes"}},
            "dash.25",
            "unknown question; questions are numbered 1 to 24",
            id="question-25",
        ),
        pytest.param({"dash": {0: "yes"}}, "dash.0", "unknown question", id="question-0"),
        pytest.param({"dash": {"q1": "yes"}}, "dash.q1", "unknown question", id="question-text"),
        pytest.param({"dash": {True: "yes"}}, "dash.True", "unknown question", id="question-bool"),
        pytest.param(
            {"dash": {7: "yes", "7": "no"}},
            "dash.7",
            "question 7 is answered twice (as 7 and '7')",
            id="question-twice",
        ),
        pytest.param({"dash": ["yes"]}, "dash", "must map question numbers", id="dash-list"),
        pytest.param(
            {"police_callouts_12m": -1},
            "police_callouts_12m",
            "must be a whole number, 0 or more",
            id="negative-callouts",
        ),
        pytest.param(
            {"police_callouts_12m": True},
            "police_callouts_12m",
            "must be a whole number",
            id="bool-callouts",
        ),
        pytest.param(
            {"police_callouts_12m": 2.0},
            "police_callouts_12m",
            "must be a whole number",
            id="float-callouts",
        ),
        pytest.param(
            {"police_callouts_12m": "3"},
            "police_callouts_12m",
            "must be a whole number",
            id="str-callouts",
        ),
        pytest.param(
            {"police_callouts_12m": None},
            "police_callouts_12m",
            "must be a whole number",
            id="none-callouts",
        ),
        pytest.param(
            {"professional_judgement": "yes", "professional_judgement_reason": "x"},
            "professional_judgement",
            "must be true or false",
            id="judgement-not-bool",
        ),
        pytest.param(
            {"professional_judgement": True, "professional_judgement_reason": 5},
            "professional_judgement_reason",
            "must be text",
            id="reason-not-text",
        ),
        pytest.param(
            {"victim_needs": ["alcohol", "gambling"]},
            "victim_needs[1]",
            "unknown code 'gambling'; expected one of drugs, alcohol, mental_health",
            id="unknown-need",
        ),
        pytest.param(
            {"victim_needs": ["alcohol", "alcohol"]},
            "victim_needs[1]",
            "'alcohol' is listed twice",
            id="need-twice",
        ),
        pytest.param(
            {"victim_needs": "alcohol"}, "victim_needs", "must be a list of codes", id="needs-str"
        ),
        pytest.param(
            {"victim_needs": [["alcohol"]]}, "victim_needs[0]", "unknown code", id="need-list"
        ),
        pytest.param(
            {"perpetrator_management": ["iom", "police"]},
            "perpetrator_management[1]",
            "unknown code 'police'; expected one of iom, mappa, probation, cj_meeting",
            id="unknown-management",
        ),
        pytest.param({"received_at": None}, "received_at", "is required", id="received-missing"),
        pytest.param(
            {"received_at": datetime(2027, 2, 2, 10, 0)},
            "received_at",
            "must carry a time zone; a naive date and time is ambiguous",
            id="received-naive",
        ),
        pytest.param(
            {"received_at": date(2027, 2, 2)},
            "received_at",
            "must be a date and time with a time zone",
            id="received-date",
        ),
        pytest.param(
            {"received_at": "2027-02-02T10:00:00Z"},
            "received_at",
            "must be a date and time",
            id="received-str",
        ),
        pytest.param(
            {"last_marac_referral_at": datetime(2026, 5, 3)},
            "last_marac_referral_at",
            "must carry a time zone",
            id="last-naive",
        ),
        pytest.param(
            {"last_marac_referral_at": RECEIVED + timedelta(seconds=1)},
            "last_marac_referral_at",
            "is after received_at: the last referral to MARAC must come before this referral",
            id="last-after-received",
        ),
        pytest.param({"score": 14}, "score", "unknown field", id="unknown-key"),
    ],
)
def test_invalid_facts(overrides, field, message):
    with pytest.raises(InvalidFacts) as caught:
        assess(facts(**overrides))
    assert len(caught.value.errors) == 1
    [error] = caught.value.errors
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_received_at_is_required():
    with pytest.raises(InvalidFacts) as caught:
        assess({})
    assert caught.value.errors == [{"field": "received_at", "message": "is required"}]


def test_facts_must_be_a_mapping():
    with pytest.raises(InvalidFacts) as caught:
        assess([("received_at", RECEIVED)])  # type: ignore[arg-type]
    assert caught.value.errors == [
        {"field": "facts", "message": "must be a mapping of field to value"}
    ]


def test_every_error_is_reported_at_once():
    with pytest.raises(InvalidFacts) as caught:
        assess(
            {
                "dash": {7: "maybe", 30: "yes", "2": "yes"},
                "police_callouts_12m": -2,
                "professional_judgement": True,
                "professional_judgement_reason": " ",
                "victim_needs": ["alcohol", "alchohol", "drugs", "gambling"],
                "perpetrator_management": ["iom", "parole"],
                "received_at": datetime(2027, 2, 2, 10, 0),
                "last_marac_referral_at": "last year",
                "urgent": True,
            }
        )
    assert [error["field"] for error in caught.value.errors] == [
        "urgent",
        "dash.7",
        "dash.30",
        "police_callouts_12m",
        "professional_judgement_reason",
        "victim_needs[1]",
        "victim_needs[3]",
        "perpetrator_management[1]",
        "received_at",
        "last_marac_referral_at",
    ]
    assert str(caught.value).startswith("invalid facts: urgent: unknown field; dash.7: ")


def test_invalid_facts_is_a_value_error():
    assert issubclass(InvalidFacts, ValueError)


# --- round trips ----------------------------------------------------------------------


def full_assessment() -> Assessment:
    return assess(
        facts(
            dash=dash(yes=14, dont_know=3),
            police_callouts_12m=4,
            professional_judgement=True,
            professional_judgement_reason="Victim fears for the children — “he will take them”",
            victim_needs=["nrpf", "drugs"],
            perpetrator_management=["mappa"],
            last_marac_referral_at=datetime(2026, 8, 1, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        )
    )


def test_dict_round_trip():
    result = full_assessment()
    data = result.to_dict()
    assert Assessment.from_dict(data) == result
    assert Assessment.from_dict(data).to_dict() == data
    data["fired"][0]["inputs"]["score"] = 99  # a copy: the assessment is not changed
    assert result.fired[0]["inputs"]["score"] == 14


def test_json_round_trip():
    result = full_assessment()
    text = result.to_json()
    assert json.loads(text) == result.to_dict()
    again = Assessment.from_json(text)
    assert again == result
    assert again.to_json() == text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda d: d.pop("mcic"), "missing 'mcic'", id="missing-key"),
        pytest.param(lambda d: d.update(extra=1), "unknown key 'extra'", id="unknown-key"),
        pytest.param(
            lambda d: d.update(risk_level="severe"), "'risk_level' has the wrong", id="bad-level"
        ),
        pytest.param(lambda d: d.update(score="14"), "'score' has the wrong", id="score-str"),
        pytest.param(
            lambda d: d.update(marac_criteria=["urgent"]), "'marac_criteria'", id="bad-criterion"
        ),
    ],
)
def test_from_dict_refuses_other_data(change, message):
    data = full_assessment().to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        Assessment.from_dict(data)


def test_assessment_is_frozen_and_unhashable():
    result = full_assessment()
    with pytest.raises(AttributeError):
        result.score = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(result)


# --- compare (replay) -----------------------------------------------------------------


def stricter_ruleset():
    text = (Path(__file__).parents[2] / "triage/rules/default.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026.1-dash"', 'version: "test-stricter"')
    text = text.replace("params: {threshold: 3}", "params: {threshold: 5}")
    return load_ruleset(text)


def test_compare_same_outcome_is_none():
    raw = facts(dash=dash(yes=15), police_callouts_12m=6)
    assert compare(assess(raw), assess(raw)) is None
    # Different rule sets with the same outcome: the version alone is not a change.
    assert compare(assess(raw), assess(raw, stricter_ruleset())) is None


def test_compare_describes_the_changes():
    old = assess(facts(police_callouts_12m=4, dash=dash(yes=3)))
    new = assess(facts(police_callouts_12m=4, dash=dash(yes=3)), stricter_ruleset())
    assert new.ruleset_version == "test-stricter"
    assert compare(old, new) == {
        "marac": {"old": True, "new": False},
        "marac_criteria": {
            "old": ["potential_escalation"],
            "new": [],
            "added": [],
            "removed": ["potential_escalation"],
        },
    }


def test_compare_risk_level_and_mcic():
    old = assess(facts(dash=dash(yes=9), victim_needs=["alcohol"]))
    new = assess(
        facts(
            dash=dash(yes=14),
            victim_needs=["alcohol", "housing"],
            professional_judgement=True,
            professional_judgement_reason="Escalating",
        )
    )
    assert compare(old, new) == {
        "risk_level": {"old": "standard", "new": "high"},
        "marac": {"old": False, "new": True},
        "marac_criteria": {
            "old": [],
            "new": ["visible_high_risk", "professional_judgement"],
            "added": ["visible_high_risk", "professional_judgement"],
            "removed": [],
        },
        "mcic": {"old": False, "new": True},
    }


# --- purity ---------------------------------------------------------------------------


def test_rule_modules_import_no_web_or_database_code():
    package = Path(__file__).parents[2] / "triage" / "rules"
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert {name.split(".")[0] for name in imported} & {"flask", "sqlalchemy", "werkzeug"} == set()
    # Within the project, the rules depend on nothing but themselves.
    assert {name for name in imported if name.split(".")[0] == "triage"} <= {
        "triage.rules",
        *(f"triage.rules.{m.stem}" for m in package.glob("*.py")),
    }
