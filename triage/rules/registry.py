"""The registry of rule types, keyed by the name the rule set YAML uses.

A rule set refers to rule types by name with their parameters, and every assessment
records the names, so an old decision can be explained and replayed later. A rule
type is a pure function of the validated facts and its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage.rules.facts import Facts
    from triage.rules.ruleset import RuleSet

# A parameter check gets the value from the YAML and the catalogue codes of the rule
# set being loaded ({"victim_needs": {...}, "perpetrator_management": {...}}), and
# returns an error message or None.
ParamCheck = Callable[[object, Mapping[str, frozenset[str]]], str | None]


@dataclass(frozen=True)
class Context:
    """What a rule sees: validated facts, the rule set, and the figures derived once."""

    facts: Facts
    ruleset: RuleSet
    score: int
    answered: int


@dataclass(frozen=True)
class Outcome:
    """The result of one rule.

    `inputs` must hold only JSON values (str, int, bool, None, lists) because it is
    stored in the assessment's trace. `reason` is the sentence body after the title,
    e.g. "3 police call-outs in the last 12 months (threshold 3)."; `items` are the
    catalogue codes that made the rule fire (the MCIC needs).
    """

    fired: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    items: tuple[str, ...] = ()


Evaluate = Callable[[Context, Mapping[str, Any]], Outcome]


@dataclass(frozen=True)
class RuleType:
    name: str
    evaluate: Evaluate
    params: Mapping[str, ParamCheck]


_RULE_TYPES: dict[str, RuleType] = {}


def register(name: str, **params: ParamCheck) -> Callable[[Evaluate], Evaluate]:
    """Register a rule type under `name`, declaring each parameter and its check.

    Names are stored with every decision, so a name is never reused for another meaning.
    """

    def decorate(evaluate: Evaluate) -> Evaluate:
        if name in _RULE_TYPES:
            raise ValueError(f"rule type {name!r} is already registered")
        _RULE_TYPES[name] = RuleType(name=name, evaluate=evaluate, params=dict(params))
        return evaluate

    return decorate


def get_rule_type(name: str) -> RuleType:
    try:
        return _RULE_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown rule type {name!r}") from None


def rule_type_names() -> list[str]:
    return sorted(_RULE_TYPES)


def whole_number(minimum: int) -> ParamCheck:
    """A parameter that must be an int (not a bool) of at least `minimum`."""

    def check(value: object, catalogues: Mapping[str, frozenset[str]]) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number of at least {minimum}"
        return None

    return check


def codes_from(catalogue: str) -> ParamCheck:
    """A parameter that must be a non-empty list of distinct codes from a catalogue."""

    def check(value: object, catalogues: Mapping[str, frozenset[str]]) -> str | None:
        if not isinstance(value, list) or not value:
            return f"must be a non-empty list of {catalogue} codes"
        known = catalogues.get(catalogue, frozenset())
        unknown = [code for code in value if not isinstance(code, str) or code not in known]
        if unknown:
            return f"unknown {catalogue} codes: {', '.join(map(repr, unknown))}"
        if len(set(value)) != len(value):
            return "lists a code more than once"
        return None

    return check
