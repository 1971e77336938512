"""Loading and validating a rule set: the versioned YAML that holds every threshold.

The partnership changes a threshold by writing a new YAML file with a new version;
no code changes. A file that is wrong in any way is refused as a whole, with every
problem listed, so a half-valid rule set can never decide a case.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from triage.rules import rule_types as _rule_types  # noqa: F401  (registers the built-ins)
from triage.rules.catalogue import MARAC_CRITERIA, RISK_LEVELS, CatalogueEntry, DashQuestion
from triage.rules.registry import get_rule_type

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_LEVEL_REQUIRED = (
    "version",
    "dash_questions",
    "victim_needs",
    "perpetrator_management",
    "risk_bands",
    "marac_criteria",
    "mcic",
)
_TOP_LEVEL_OPTIONAL = ("description", "instrument")


class InvalidRuleSet(ValueError):
    """A rule set file that cannot be used. `.errors` lists every problem as "path: message"."""

    def __init__(self, errors: list[str], source: str = "rule set") -> None:
        self.errors = list(errors)
        self.source = source
        count = "1 problem" if len(errors) == 1 else f"{len(errors)} problems"
        super().__init__(f"invalid rule set ({source}), {count}: " + "; ".join(errors))


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a rule set: its name, the registered rule type, and its parameters."""

    name: str
    type: str
    params: Mapping[str, Any]

    def trace_params(self) -> dict[str, Any]:
        """The parameters as plain JSON values, for the assessment's trace."""
        return {key: _thaw(value) for key, value in self.params.items()}


@dataclass(frozen=True)
class RuleSet:
    version: str
    description: str
    instrument: str
    dash_questions: tuple[DashQuestion, ...]
    victim_needs: tuple[CatalogueEntry, ...]
    perpetrator_management: tuple[CatalogueEntry, ...]
    # Lowest score for each risk level, highest level first.
    risk_bands: Mapping[str, int]
    # Always in the canonical order of catalogue.MARAC_CRITERIA.
    marac_criteria: tuple[RuleSpec, ...]
    mcic: RuleSpec
    # The YAML text it was loaded from, so a caller can store exactly what decided a case.
    source: str = field(default="", repr=False, compare=False)

    @functools.cached_property
    def victim_need_labels(self) -> Mapping[str, str]:
        return MappingProxyType({entry.code: entry.label for entry in self.victim_needs})

    @functools.cached_property
    def perpetrator_management_labels(self) -> Mapping[str, str]:
        return MappingProxyType({e.code: e.label for e in self.perpetrator_management})

    def risk_level_for(self, score: int) -> str:
        """The band a score falls in (before professional judgement)."""
        for level, lowest in self.risk_bands.items():
            if score >= lowest:
                return level
        raise ValueError(f"score {score} is below every risk band")


def load_ruleset(path_or_text: str | os.PathLike[str]) -> RuleSet:
    """Load a rule set from a file path or from YAML text.

    A `pathlib.Path` (any path-like) is read as a file. A `str` containing a newline
    is YAML text; any other `str` is taken as a file path.
    """
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text
    ):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidRuleSet([f"cannot read the file: {exc}"], str(path)) from exc
        return parse_ruleset(text, source=str(path))
    if isinstance(path_or_text, str):
        return parse_ruleset(path_or_text)
    raise TypeError("load_ruleset() takes a path or YAML text")


@functools.cache
def default_ruleset() -> RuleSet:
    """The rule set shipped in the package (triage/rules/default.yaml), loaded once."""
    text = resources.files("triage.rules").joinpath("default.yaml").read_text(encoding="utf-8")
    return parse_ruleset(text, source="triage/rules/default.yaml")


def parse_ruleset(text: str, source: str = "rule set") -> RuleSet:
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise InvalidRuleSet([f"not valid YAML: {exc}"], source) from exc
    builder = _Builder()
    ruleset = builder.build(data, text)
    if builder.errors or ruleset is None:
        raise InvalidRuleSet(builder.errors, source)
    return ruleset


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which would silently override a threshold."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable key: SafeLoader reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


class _Builder:
    """Checks the parsed YAML, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def build(self, data: object, text: str) -> RuleSet | None:
        if not isinstance(data, dict):
            self.error("(top level)", "must be a mapping of keys to values")
            return None
        self._keys("(top level)", data, _TOP_LEVEL_REQUIRED, _TOP_LEVEL_OPTIONAL)

        version = self._text("version", data.get("version"))
        description = data.get("description", "")
        if not isinstance(description, str):
            self.error("description", "must be text")
        instrument = self._text("instrument", data.get("instrument", "Dash"))
        questions = self._questions(data.get("dash_questions"))
        needs = self._entries("victim_needs", data.get("victim_needs"))
        management = self._entries("perpetrator_management", data.get("perpetrator_management"))
        bands = self._bands(data.get("risk_bands"), len(questions))
        catalogues = {
            "victim_needs": frozenset(entry.code for entry in needs),
            "perpetrator_management": frozenset(entry.code for entry in management),
        }
        criteria = self._criteria(data.get("marac_criteria"), catalogues)
        mcic = self._rule("mcic", data.get("mcic"), catalogues, name="mcic")

        if self.errors or mcic is None:
            return None
        return RuleSet(
            version=version,
            description=description,
            instrument=instrument,
            dash_questions=questions,
            victim_needs=needs,
            perpetrator_management=management,
            risk_bands=MappingProxyType(bands),
            marac_criteria=criteria,
            mcic=mcic,
            source=text,
        )

    def _keys(
        self, path: str, data: dict[Any, Any], required: tuple[str, ...], optional: tuple[str, ...]
    ) -> None:
        for key in required:
            if key not in data:
                self.error(path, f"{key!r} is missing")
        for key in data:
            if key not in required and key not in optional:
                self.error(path, f"unknown key {key!r}")

    def _text(self, path: str, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            # A bare 2026.1 in YAML is a number; versions must be quoted text.
            self.error(path, "must be non-empty text (quote it in the YAML)")
            return ""
        return value

    def _list(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.error(path, "must be a non-empty list")
            return []
        return value

    def _questions(self, value: object) -> tuple[DashQuestion, ...]:
        questions = []
        for index, item in enumerate(self._list("dash_questions", value)):
            path = f"dash_questions[{index}]"
            if not isinstance(item, dict):
                self.error(path, "must be a mapping with number, label and text")
                continue
            self._keys(path, item, ("number", "label", "text"), ("help",))
            number = item.get("number")
            if number != index + 1 or isinstance(number, bool):
                self.error(
                    f"{path}.number", f"must be {index + 1}: questions are numbered 1, 2, 3…"
                )
            help_text = item.get("help", "")
            if not isinstance(help_text, str):
                self.error(f"{path}.help", "must be text")
            questions.append(
                DashQuestion(
                    number=index + 1,
                    label=self._text(f"{path}.label", item.get("label")),
                    text=self._text(f"{path}.text", item.get("text")),
                    help=help_text if isinstance(help_text, str) else "",
                )
            )
        return tuple(questions)

    def _entries(self, name: str, value: object) -> tuple[CatalogueEntry, ...]:
        entries: list[CatalogueEntry] = []
        for index, item in enumerate(self._list(name, value)):
            path = f"{name}[{index}]"
            if not isinstance(item, dict):
                self.error(path, "must be a mapping with code and label")
                continue
            self._keys(path, item, ("code", "label"), ())
            code = item.get("code")
            if not isinstance(code, str) or not _CODE.match(code):
                self.error(f"{path}.code", "must be lower-case letters, digits and underscores")
                continue
            if any(entry.code == code for entry in entries):
                self.error(f"{path}.code", f"{code!r} is listed twice")
            entries.append(
                CatalogueEntry(code=code, label=self._text(f"{path}.label", item.get("label")))
            )
        return tuple(entries)

    def _bands(self, value: object, questions: int) -> dict[str, int]:
        levels = tuple(reversed(RISK_LEVELS))  # high first
        if not isinstance(value, dict):
            self.error("risk_bands", "must map each risk level to its lowest score")
            return {}
        self._keys("risk_bands", value, levels, ())
        bands = {level: value.get(level) for level in levels}
        if any(isinstance(v, bool) or not isinstance(v, int) for v in bands.values()):
            self.error("risk_bands", "each lowest score must be a whole number")
            return {}
        if bands["standard"] != 0:
            self.error("risk_bands.standard", "must be 0 so that every score has a level")
        if not 0 <= bands["standard"] < bands["medium"] < bands["high"] <= questions:
            self.error(
                "risk_bands",
                f"must rise from standard to medium to high, with high at most {questions}",
            )
        return bands

    def _criteria(
        self, value: object, catalogues: Mapping[str, frozenset[str]]
    ) -> tuple[RuleSpec, ...]:
        specs: dict[str, RuleSpec] = {}
        named: set[str] = set()
        for index, item in enumerate(self._list("marac_criteria", value)):
            path = f"marac_criteria[{index}]"
            spec = self._rule(path, item, catalogues, name=None)
            if not isinstance(item, dict) or "name" not in item:
                continue  # already reported by _rule
            name = item["name"]
            if not isinstance(name, str) or name not in MARAC_CRITERIA:
                self.error(f"{path}.name", f"must be one of {', '.join(MARAC_CRITERIA)}")
            elif name in named:
                self.error(f"{path}.name", f"{name!r} is listed twice")
            else:
                named.add(name)
                if spec is not None:
                    specs[name] = spec
        if isinstance(value, list) and value:
            missing = [name for name in MARAC_CRITERIA if name not in named]
            if missing:
                self.error("marac_criteria", f"missing {', '.join(missing)}")
        return tuple(specs[name] for name in MARAC_CRITERIA if name in specs)

    def _rule(
        self,
        path: str,
        item: object,
        catalogues: Mapping[str, frozenset[str]],
        name: str | None,
    ) -> RuleSpec | None:
        if not isinstance(item, dict):
            self.error(path, "must be a mapping with type and params")
            return None
        if name is None:
            self._keys(path, item, ("name", "type"), ("params",))
            name = item.get("name")
        else:
            self._keys(path, item, ("type",), ("params",))
        type_name = item.get("type")
        params = item.get("params", {})
        if params is None:
            params = {}
        try:
            rule_type = get_rule_type(type_name)  # type: ignore[arg-type]
        except (KeyError, TypeError):
            self.error(f"{path}.type", f"unknown rule type {type_name!r}")
            return None
        if not isinstance(params, dict):
            self.error(f"{path}.params", "must be a mapping")
            return None
        ok = True
        for key in params:
            if key not in rule_type.params:
                self.error(f"{path}.params", f"unknown parameter {key!r} for {type_name}")
                ok = False
        for key, check in rule_type.params.items():
            if key not in params:
                self.error(f"{path}.params", f"{key!r} is missing for {type_name}")
                ok = False
                continue
            problem = check(params[key], catalogues)
            if problem:
                self.error(f"{path}.params.{key}", problem)
                ok = False
        if not ok or not isinstance(name, str):
            return None
        frozen = {key: _freeze(params[key]) for key in rule_type.params}
        return RuleSpec(name=name, type=type_name, params=MappingProxyType(frozen))


def _freeze(value: Any) -> Any:
    # The default rule set is cached and shared, so its parameters must not be mutable.
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _thaw(value: Any) -> Any:
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value
