"""The result of an assessment, its JSON form, and the comparison used by replay."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from triage.rules.catalogue import MARAC_CRITERIA, RISK_LEVELS


@dataclass(frozen=True)
class Assessment:
    """What the rules decided, why (`reasons`, for people) and how (`fired`, for machines).

    Every field is a plain JSON value, so `to_dict()`/`from_dict()` and
    `to_json()`/`from_json()` round-trip exactly.
    """

    score: int
    risk_level: str
    marac_criteria: list[str]
    marac: bool
    mcic: bool
    mcic_needs: list[str]
    answered: int
    reasons: list[str]
    fired: list[dict[str, Any]]
    ruleset_version: str

    # Fields hold lists, so an Assessment is compared by value but is not hashable.
    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """Rebuild an assessment stored with `to_dict()`; refuses anything else."""
        if not isinstance(data, Mapping):
            raise ValueError("an assessment must be a mapping")
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in data]
        unknown = [str(key) for key in data if key not in names]
        problems = [f"missing {name!r}" for name in missing]
        problems += [f"unknown key {key!r}" for key in unknown]
        if not problems:
            problems = _type_problems(data)
        if problems:
            raise ValueError("not a stored assessment: " + "; ".join(problems))
        return cls(**{name: copy.deepcopy(data[name]) for name in names})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Assessment:
        return cls.from_dict(json.loads(text))


def _type_problems(data: Mapping[str, Any]) -> list[str]:
    def whole(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def texts(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    checks = {
        "score": whole(data["score"]),
        "risk_level": data["risk_level"] in RISK_LEVELS,
        "marac_criteria": texts(data["marac_criteria"])
        and all(name in MARAC_CRITERIA for name in data["marac_criteria"]),
        "marac": isinstance(data["marac"], bool),
        "mcic": isinstance(data["mcic"], bool),
        "mcic_needs": texts(data["mcic_needs"]),
        "answered": whole(data["answered"]),
        "reasons": texts(data["reasons"]),
        "fired": isinstance(data["fired"], list)
        and all(isinstance(entry, dict) for entry in data["fired"]),
        "ruleset_version": isinstance(data["ruleset_version"], str),
    }
    return [f"{name!r} has the wrong type or value" for name, ok in checks.items() if not ok]


def compare(old: Assessment, new: Assessment) -> dict[str, Any] | None:
    """What changed between two assessments of the same facts (e.g. under another rule set).

    Returns None when the outcome is the same; otherwise only the changed keys among
    "risk_level", "marac", "marac_criteria" (with "added" and "removed") and "mcic",
    each with "old" and "new".
    """
    changes: dict[str, Any] = {}
    if old.risk_level != new.risk_level:
        changes["risk_level"] = {"old": old.risk_level, "new": new.risk_level}
    if old.marac != new.marac:
        changes["marac"] = {"old": old.marac, "new": new.marac}
    if old.marac_criteria != new.marac_criteria:
        changes["marac_criteria"] = {
            "old": list(old.marac_criteria),
            "new": list(new.marac_criteria),
            "added": [name for name in new.marac_criteria if name not in old.marac_criteria],
            "removed": [name for name in old.marac_criteria if name not in new.marac_criteria],
        }
    if old.mcic != new.mcic:
        changes["mcic"] = {"old": old.mcic, "new": new.mcic}
    return changes or None
