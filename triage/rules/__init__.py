"""The triage rule engine: pure functions over plain data, no Flask or database.

    from triage.rules import assess
    result = assess({"dash": {1: "yes"}, "received_at": received_at})

The thresholds live in a versioned YAML rule set (default.yaml); see docs/rules.md.
"""

from triage.rules.assessment import Assessment, compare
from triage.rules.catalogue import (
    ANSWERS,
    MARAC_CRITERIA,
    RISK_LEVELS,
    CatalogueEntry,
    DashQuestion,
)
from triage.rules.engine import assess
from triage.rules.facts import InvalidFacts
from triage.rules.registry import Context, Outcome, get_rule_type, register, rule_type_names
from triage.rules.ruleset import (
    InvalidRuleSet,
    RuleSet,
    RuleSpec,
    default_ruleset,
    load_ruleset,
    parse_ruleset,
)

__all__ = [
    "ANSWERS",
    "MARAC_CRITERIA",
    "RISK_LEVELS",
    "Assessment",
    "CatalogueEntry",
    "Context",
    "DashQuestion",
    "InvalidFacts",
    "InvalidRuleSet",
    "Outcome",
    "RuleSet",
    "RuleSpec",
    "assess",
    "compare",
    "default_ruleset",
    "get_rule_type",
    "load_ruleset",
    "parse_ruleset",
    "register",
    "rule_type_names",
]
