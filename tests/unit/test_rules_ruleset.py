"""The rule set: the packaged default, loading custom YAML, and refusing bad files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from triage.rules import (
    InvalidRuleSet,
    assess,
    compare,
    default_ruleset,
    load_ruleset,
    register,
    rule_type_names,
)
from triage.rules.registry import Context, Outcome

DEFAULT_YAML = Path(__file__).parents[2] / "triage" / "rules" / "default.yaml"
RECEIVED = datetime(2027, 2, 2, 10, 0, tzinfo=UTC)


def default_data() -> dict:
    return yaml.safe_load(DEFAULT_YAML.read_text(encoding="utf-8"))


def as_text(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def criterion(data: dict, name: str) -> dict:
    return next(item for item in data["marac_criteria"] if item["name"] == name)


# --- the default rule set -------------------------------------------------------------


def test_default_version_and_questions():
    rules = default_ruleset()
    assert rules.version == "2026.1-dash"
    assert rules.instrument == "Dash"
    assert [q.number for q in rules.dash_questions] == list(range(1, 25))
    assert all(q.label and q.text.endswith("?") for q in rules.dash_questions)
    assert rules.dash_questions[14].label == "Strangulation"
    assert rules.dash_questions[0].text == "Has the current incident resulted in an injury?"


def test_default_catalogues():
    rules = default_ruleset()
    assert [e.code for e in rules.victim_needs] == [
        "drugs",
        "alcohol",
        "mental_health",
        "learning_disability",
        "physical_disability",
        "aged_60_plus",
        "housing",
        "nrpf",
        "criminal_justice",
    ]
    assert [e.code for e in rules.perpetrator_management] == [
        "iom",
        "mappa",
        "probation",
        "cj_meeting",
    ]
    assert rules.victim_need_labels["aged_60_plus"] == "Aged 60 or over"
    assert rules.perpetrator_management_labels["cj_meeting"] == "Criminal justice meeting"


def test_default_thresholds():
    rules = default_ruleset()
    assert dict(rules.risk_bands) == {"high": 14, "medium": 10, "standard": 0}
    assert [(c.name, c.type, dict(c.params)) for c in rules.marac_criteria] == [
        ("visible_high_risk", "score_at_least", {"threshold": 14}),
        ("professional_judgement", "professional_judgement", {}),
        ("potential_escalation", "callouts_at_least", {"threshold": 3}),
        ("repeat", "repeat_within", {"months": 12}),
    ]
    assert (rules.mcic.name, rules.mcic.type) == ("mcic", "mcic_needs")
    assert rules.mcic.trace_params() == {
        "min_needs": 2,
        "min_needs_with_managed_perpetrator": 1,
        "managed_under_any_of": ["iom", "mappa"],
    }


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
    ids=lambda v: str(v),
)
def test_risk_level_for(score, level):
    assert default_ruleset().risk_level_for(score) == level


def test_default_ruleset_is_cached_and_immutable():
    rules = default_ruleset()
    assert default_ruleset() is rules
    with pytest.raises(TypeError):
        rules.marac_criteria[0].params["threshold"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        rules.risk_bands["high"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        rules.version = "changed"  # type: ignore[misc]


def test_registered_rule_types():
    assert rule_type_names() == [
        "callouts_at_least",
        "mcic_needs",
        "professional_judgement",
        "repeat_within",
        "score_at_least",
    ]


def test_a_rule_type_name_cannot_be_reused():
    def other(ctx: Context, params: object) -> Outcome:
        return Outcome(fired=True)

    with pytest.raises(ValueError, match="'score_at_least' is already registered"):
        register("score_at_least")(other)


# --- loading --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(DEFAULT_YAML, id="path"),
        pytest.param(str(DEFAULT_YAML), id="str-path"),
        pytest.param(DEFAULT_YAML.read_text(encoding="utf-8"), id="text"),
    ],
)
def test_load_ruleset_from_path_or_text(source):
    rules = load_ruleset(source)
    assert rules == default_ruleset()
    assert rules.source == DEFAULT_YAML.read_text(encoding="utf-8")


def test_missing_file():
    with pytest.raises(InvalidRuleSet) as caught:
        load_ruleset(DEFAULT_YAML.with_name("no-such-rules.yaml"))
    assert caught.value.errors[0].startswith("cannot read the file:")
    assert caught.value.source.endswith("no-such-rules.yaml")


def test_load_ruleset_needs_a_path_or_text():
    with pytest.raises(TypeError):
        load_ruleset(2026)  # type: ignore[arg-type]


# --- a custom rule set changes outcomes without code changes ---------------------------


def custom_ruleset():
    """A partnership's variation: 2 call-outs trigger escalation, high risk from 16."""
    data = default_data()
    data["version"] = "2027.1-custom"
    criterion(data, "potential_escalation")["params"]["threshold"] = 2
    criterion(data, "visible_high_risk")["params"]["threshold"] = 16
    data["risk_bands"]["high"] = 16
    data["risk_bands"]["medium"] = 11
    data["mcic"]["params"]["managed_under_any_of"] = ["iom", "mappa", "probation"]
    return load_ruleset(as_text(data))


def yes(count: int) -> dict[int, str]:
    return dict.fromkeys(range(1, count + 1), "yes")


@pytest.mark.parametrize(
    ("facts", "default_outcome", "custom_outcome"),
    [
        pytest.param(
            {"police_callouts_12m": 2},
            ("standard", []),
            ("standard", ["potential_escalation"]),
            id="2-callouts",
        ),
        pytest.param(
            {"dash": yes(14)}, ("high", ["visible_high_risk"]), ("medium", []), id="14-yes"
        ),
        pytest.param(
            {"dash": yes(15)}, ("high", ["visible_high_risk"]), ("medium", []), id="15-yes"
        ),
        pytest.param(
            {"dash": yes(16)},
            ("high", ["visible_high_risk"]),
            ("high", ["visible_high_risk"]),
            id="16-yes",
        ),
        pytest.param({"dash": yes(10)}, ("medium", []), ("standard", []), id="10-yes"),
    ],
)
def test_custom_ruleset_changes_outcomes(facts, default_outcome, custom_outcome):
    raw = {"received_at": RECEIVED, **facts}
    old = assess(raw)
    new = assess(raw, custom_ruleset())
    assert (old.risk_level, old.marac_criteria) == default_outcome
    assert (new.risk_level, new.marac_criteria) == custom_outcome
    assert (old.ruleset_version, new.ruleset_version) == ("2026.1-dash", "2027.1-custom")


def test_custom_ruleset_reasons_and_trace_name_its_thresholds():
    result = assess(
        {"received_at": RECEIVED, "police_callouts_12m": 2, "dash": yes(11)}, custom_ruleset()
    )
    assert result.reasons == [
        "Risk level medium: 11 of 24 Dash questions answered yes (medium is 11 to 15); "
        "only 11 of 24 questions were answered yes or no.",
        "Potential escalation: 2 police call-outs in the last 12 months (threshold 2).",
    ]
    assert result.fired[0]["params"] == {"high": 16, "medium": 11, "standard": 0}
    assert result.fired[1]["params"] == {"threshold": 2}


def test_custom_mcic_rule():
    raw = {
        "received_at": RECEIVED,
        "victim_needs": ["alcohol"],
        "perpetrator_management": ["probation"],
    }
    old, new = assess(raw), assess(raw, custom_ruleset())
    assert (old.mcic, new.mcic) == (False, True)
    assert compare(old, new) == {"mcic": {"old": False, "new": True}}
    assert new.reasons[-1] == (
        "Multiple complex issues: victim needs alcohol misuse; perpetrator managed under "
        "probation (licence or order)."
    )


def test_custom_repeat_window_and_catalogue():
    data = default_data()
    data["version"] = "six-months"
    criterion(data, "repeat")["params"]["months"] = 6
    data["victim_needs"].append({"code": "gambling", "label": "Gambling"})
    rules = load_ruleset(as_text(data))
    raw = {
        "received_at": datetime(2026, 8, 31, 9, 0, tzinfo=UTC),
        "last_marac_referral_at": datetime(2026, 2, 28, 10, 0, tzinfo=UTC),
        "victim_needs": ["gambling", "alcohol"],
    }
    result = assess(raw, rules)
    assert result.marac_criteria == []  # the 6-month window ended on 28 Aug
    assert result.mcic_needs == ["alcohol", "gambling"]
    raw["received_at"] = datetime(2026, 8, 28, 10, 0, tzinfo=UTC)
    assert assess(raw, rules).reasons[1] == (
        "Repeat: last referred to MARAC on 28 Feb 2026, within 6 months of this referral "
        "on 28 Aug 2026."
    )


def test_a_shorter_checklist():
    data = default_data()
    data["version"] = "short"
    data["instrument"] = "DARA"
    data["dash_questions"] = data["dash_questions"][:12]
    data["risk_bands"] = {"high": 8, "medium": 5, "standard": 0}
    criterion(data, "visible_high_risk")["params"]["threshold"] = 8
    rules = load_ruleset(as_text(data))
    result = assess({"received_at": RECEIVED, "dash": yes(8)}, rules)
    assert result.reasons[:2] == [
        "Risk level high: 8 of 12 DARA questions answered yes (high is 8 or more); "
        "only 8 of 12 questions were answered yes or no.",
        "Visible high risk: 8 of 12 DARA questions answered yes (threshold 8).",
    ]
    with pytest.raises(ValueError, match=r"dash\.13"):
        assess({"received_at": RECEIVED, "dash": {13: "yes"}}, rules)


# --- invalid rule sets ----------------------------------------------------------------


def edit(change):
    data = default_data()
    change(data)
    return as_text(data)


INVALID = [
    pytest.param("version: [unclosed\n", "not valid YAML", id="not-yaml"),
    pytest.param("- a\n- b\n", "(top level): must be a mapping", id="top-level-list"),
    pytest.param(
        DEFAULT_YAML.read_text(encoding="utf-8").replace(
            "  high: 14\n", "  high: 14\n  high: 15\n"
        ),
        "found duplicate key 'high'",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        edit(lambda d: d.pop("version")), "(top level): 'version' is missing", id="no-version"
    ),
    pytest.param(
        edit(lambda d: d.update(version=2026.1)),
        "version: must be non-empty text (quote it in the YAML)",
        id="numeric-version",
    ),
    pytest.param(
        edit(lambda d: d.update(threshold=3)),
        "(top level): unknown key 'threshold'",
        id="unknown-key",
    ),
    pytest.param(
        edit(lambda d: d["dash_questions"].pop(6)),
        "dash_questions[6].number: must be 7",
        id="question-gap",
    ),
    pytest.param(
        edit(lambda d: d["dash_questions"][2].update(text="")),
        "dash_questions[2].text: must be non-empty text",
        id="question-without-text",
    ),
    pytest.param(
        edit(lambda d: d.update(dash_questions=[])),
        "dash_questions: must be a non-empty list",
        id="no-questions",
    ),
    pytest.param(
        edit(lambda d: d["victim_needs"].append({"code": "alcohol", "label": "Alcohol again"})),
        "victim_needs[9].code: 'alcohol' is listed twice",
        id="duplicate-code",
    ),
    pytest.param(
        edit(lambda d: d["victim_needs"].append({"code": "Mental Health", "label": "x"})),
        "victim_needs[9].code: must be lower-case",
        id="bad-code",
    ),
    pytest.param(
        edit(lambda d: d["risk_bands"].update(medium=15)),
        "risk_bands: must rise from standard to medium to high, with high at most 24",
        id="bands-not-rising",
    ),
    pytest.param(
        edit(lambda d: d["risk_bands"].update(high=25, medium=10)),
        "risk_bands: must rise",
        id="high-above-24",
    ),
    pytest.param(
        edit(lambda d: d["risk_bands"].update(standard=1)),
        "risk_bands.standard: must be 0",
        id="standard-not-0",
    ),
    pytest.param(
        edit(lambda d: d["risk_bands"].update(severe=20)),
        "risk_bands: unknown key 'severe'",
        id="unknown-band",
    ),
    pytest.param(
        edit(lambda d: d["risk_bands"].update(high="14")),
        "risk_bands: each lowest score must be a whole number",
        id="band-text",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "repeat").update(type="repeat_within_days")),
        "marac_criteria[3].type: unknown rule type 'repeat_within_days'",
        id="unknown-rule-type",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "potential_escalation")["params"].update(threshold=0)),
        "marac_criteria[2].params.threshold: must be a whole number of at least 1",
        id="threshold-0",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "potential_escalation")["params"].update(threshold=True)),
        "marac_criteria[2].params.threshold: must be a whole number",
        id="threshold-bool",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "visible_high_risk")["params"].update(threshold="14")),
        "marac_criteria[0].params.threshold: must be a whole number",
        id="threshold-text",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "repeat")["params"].update(days=365)),
        "marac_criteria[3].params: unknown parameter 'days' for repeat_within",
        id="unknown-param",
    ),
    pytest.param(
        edit(lambda d: criterion(d, "repeat").update(params={})),
        "marac_criteria[3].params: 'months' is missing for repeat_within",
        id="missing-param",
    ),
    pytest.param(
        edit(
            lambda d: d["marac_criteria"].append(
                {"name": "urgent", "type": "professional_judgement"}
            )
        ),
        "marac_criteria[4].name: must be one of visible_high_risk, professional_judgement",
        id="unknown-criterion",
    ),
    pytest.param(
        edit(lambda d: d["marac_criteria"].append(dict(criterion(d, "repeat")))),
        "marac_criteria[4].name: 'repeat' is listed twice",
        id="criterion-twice",
    ),
    pytest.param(
        edit(lambda d: d["marac_criteria"].pop(1)),
        "marac_criteria: missing professional_judgement",
        id="criterion-missing",
    ),
    pytest.param(
        edit(lambda d: d["mcic"]["params"].update(managed_under_any_of=["iom", "police"])),
        "mcic.params.managed_under_any_of: unknown perpetrator_management codes: 'police'",
        id="mcic-unknown-code",
    ),
    pytest.param(
        edit(lambda d: d["mcic"]["params"].update(managed_under_any_of=[])),
        "mcic.params.managed_under_any_of: must be a non-empty list",
        id="mcic-empty-list",
    ),
    pytest.param(
        edit(lambda d: d.update(mcic="mcic_needs")), "mcic: must be a mapping", id="mcic-text"
    ),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_invalid_ruleset(text, expected):
    with pytest.raises(InvalidRuleSet) as caught:
        load_ruleset(text)
    assert any(expected in error for error in caught.value.errors), caught.value.errors
    assert str(caught.value).startswith("invalid rule set (rule set), ")


def test_every_ruleset_problem_is_reported_at_once():
    def break_it(data: dict) -> None:
        data["version"] = 3
        data["risk_bands"]["medium"] = 20
        criterion(data, "potential_escalation")["params"]["threshold"] = -1
        data["mcic"]["params"].pop("min_needs")

    with pytest.raises(InvalidRuleSet) as caught:
        load_ruleset(edit(break_it))
    assert caught.value.errors == [
        "version: must be non-empty text (quote it in the YAML)",
        "risk_bands: must rise from standard to medium to high, with high at most 24",
        "marac_criteria[2].params.threshold: must be a whole number of at least 1",
        "mcic.params: 'min_needs' is missing for mcic_needs",
    ]
    assert str(caught.value).startswith("invalid rule set (rule set), 4 problems: version: ")


def test_invalid_ruleset_is_a_value_error():
    assert issubclass(InvalidRuleSet, ValueError)
