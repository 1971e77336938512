"""Validating a mapping against a pydantic model field by field, so that every field that
is right comes back cleaned even when others are wrong (the intake service checks those
further, and reports every problem at once); each problem at its field path with a short
message (`victim.last_name`: "is required"). And the model's limits, for a form to use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Problem:
    """One pydantic error, at a field path such as `victim.date_of_birth` or `dash.3`."""

    field: str
    kind: str
    message: str  # short, e.g. "is required"; the intake service adds the field's label


def check_fields(model: type[BaseModel], raw: object) -> tuple[dict[str, Any], list[Problem]]:
    """Validate `raw` against `model` field by field: (the fields that are right, cleaned;
    the problems). Nested objects (a person) come back as plain dicts."""
    if not isinstance(raw, Mapping):
        return {}, [Problem("body", "model_type", "must be an object")]
    fields = model.model_fields
    problems = [Problem(str(key), "extra_forbidden", _MESSAGES["extra_forbidden"]) for key in raw]
    problems = [p for p in problems if p.field not in fields]
    clean: dict[str, Any] = {}
    for name, info in fields.items():
        if name not in raw:
            if info.is_required():
                problems.append(Problem(name, "missing", _MESSAGES["missing"]))
            else:
                clean[name] = info.get_default(call_default_factory=True)
            continue
        try:
            value = _adapters(model)[name].validate_python(raw[name])
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            problems.extend(_problem(name, raw[name], error) for error in errors)
            continue
        clean[name] = value.model_dump() if isinstance(value, BaseModel) else value
    return clean, problems


def check_shape(model: type[BaseModel], raw: object) -> tuple[dict[str, Any], list[dict]]:
    """(cleaned fields, [{"field", "message"}]) with the short messages the API publishes."""
    clean, problems = check_fields(model, raw)
    return clean, [{"field": p.field, "message": p.message} for p in problems]


@functools.cache
def _adapters(model: type[BaseModel]) -> dict[str, TypeAdapter]:
    return {
        name: TypeAdapter(Annotated[info.annotation, info])
        for name, info in model.model_fields.items()
    }


_MESSAGES = {
    "missing": "is required",
    "required": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "string_too_short": "is required",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "string_pattern_mismatch": "is not a known field",
}


def _problem(name: str, value: object, error: Mapping[str, Any]) -> Problem:
    """The error at its path: `victim.last_name`, `victim_needs[2]`, `dash.3`."""
    path, kind, node = name, error["type"], value
    for part in (part for part in error["loc"] if part != "[key]"):
        if isinstance(node, list) and isinstance(part, int):
            path, node = f"{path}[{part}]", node[part] if part < len(node) else None
        else:
            path = f"{path}.{part}"
            node = node.get(part) if isinstance(node, Mapping) else None
    return Problem(path, kind, _message(kind, error.get("ctx") or {}, error["msg"]))


def _message(kind: str, ctx: Mapping[str, Any], default: str) -> str:
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "string_too_long":
        return f"must be {ctx['max_length']} characters or fewer"
    if kind == "too_long":
        return f"must have {ctx['max_length']} items or fewer"
    if kind == "literal_error":
        return f"must be one of: {ctx['expected'].replace(chr(39), '').replace(' or ', ', ')}"
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more"
    if kind == "less_than_equal":
        return f"must be {ctx['le']} or fewer"
    return default


# --------------------------------------------------------------------------- limits


def limit(model: type[BaseModel], name: str, keyword: str = "maxLength") -> int:
    """A limit of the definition, for a form to show and check the same one: the longest
    text (`maxLength`) or the largest number (`maximum`) allowed for field `name`; for a
    map of question number to text, the limit of each text."""
    schema = _schema(model)["properties"][name]
    for option in (schema, *schema.get("anyOf", ())):
        if isinstance(option.get("additionalProperties"), dict):
            option = option["additionalProperties"]
        if keyword in option:
            return option[keyword]
    raise KeyError(f"{model.__name__}.{name} has no {keyword}")


@functools.cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()
