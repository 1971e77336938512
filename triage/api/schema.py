"""A small, strict JSON Schema checker for the API's request bodies.

The OpenAPI document is the single description of what the API accepts: request bodies are
checked against the very schemas it publishes, so the document cannot drift from the code.
Only the keywords the document uses are supported (an unknown keyword is a programming
error, raised at once, never silently ignored). Every problem is collected, each as
{"field", "message"} with a path such as `victim.date_of_birth` or `victim_needs[2]`, the
same shape the rule engine and the intake service use.

Strings with `format: date` / `format: date-time` come back as `date` / aware `datetime`
values; a date-time without a UTC offset is refused (it would be ambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

_KNOWN = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "enum",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "maxItems",
    "uniqueItems",
    "pattern",
    "$ref",
    # Annotations: no effect on validation.
    "description",
    "title",
    "example",
    "examples",
    "default",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class Errors(list):
    def add(self, path: str, message: str) -> None:
        self.append({"field": path or "body", "message": message})


def validate(
    value: Any, schema: Mapping[str, Any], components: Mapping[str, Any]
) -> tuple[Any, list]:
    """Check `value` against `schema`; returns (converted value, errors)."""
    errors = Errors()
    converted = _check(value, schema, components, "", errors)
    return converted, list(errors)


def _resolve(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = components[name]
    return schema


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    raise ValueError(f"unsupported schema type {name!r}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check(value: Any, schema: Mapping[str, Any], components, path: str, errors: Errors) -> Any:
    schema = _resolve(schema, components)
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"unsupported schema keywords {sorted(unknown)} at {path or 'body'}")
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in allowed):
            words = " or ".join(_TYPE_WORDS[t] for t in allowed)
            errors.add(path, f"must be {words}")
            return value
    if value is None:
        return None
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(v) for v in schema["enum"] if v is not None)
        errors.add(path, f"must be one of: {choices}")
        return value
    if isinstance(value, str):
        return _check_string(value, schema, path, errors)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.add(path, f"must be {schema['minimum']} or more")
        if "maximum" in schema and value > schema["maximum"]:
            errors.add(path, f"must be {schema['maximum']} or less")
        return value
    if isinstance(value, list):
        return _check_array(value, schema, components, path, errors)
    if isinstance(value, dict):
        return _check_object(value, schema, components, path, errors)
    return value


def _check_string(value: str, schema: Mapping[str, Any], path: str, errors: Errors) -> Any:
    if "minLength" in schema and len(value.strip()) < schema["minLength"]:
        errors.add(path, "is required" if schema["minLength"] == 1 else "is too short")
        return value
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.add(path, f"must be {schema['maxLength']} characters or fewer")
        return value
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.add(path, "is not in the expected format")
        return value
    fmt = schema.get("format")
    if fmt == "date":
        try:
            if not _DATE.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            errors.add(path, "must be a date as YYYY-MM-DD")
            return value
    if fmt == "date-time":
        try:
            if not _DATETIME.match(value):
                raise ValueError
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            errors.add(
                path, "must be a date and time with a UTC offset, e.g. 2026-05-03T09:30:00+01:00"
            )
            return value
    if fmt is not None:
        raise ValueError(f"unsupported string format {fmt!r}")
    return value


def _check_array(value: list, schema: Mapping[str, Any], components, path: str, errors: Errors):
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.add(path, f"must have {schema['maxItems']} items or fewer")
        return value
    if schema.get("uniqueItems"):
        seen = []
        for index, item in enumerate(value):
            if item in seen:
                errors.add(f"{path}[{index}]", "is listed twice")
            seen.append(item)
    items = schema.get("items")
    if items is None:
        return list(value)
    return [_check(item, items, components, f"{path}[{i}]", errors) for i, item in enumerate(value)]


def _check_object(value: dict, schema: Mapping[str, Any], components, path: str, errors: Errors):
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    names = schema.get("propertyNames")
    result: dict[str, Any] = {}
    for key in schema.get("required", []):
        if key not in value:
            errors.add(_join(path, key), "is required")
    for key, item in value.items():
        child = _join(path, str(key))
        if key in properties:
            result[key] = _check(item, properties[key], components, child, errors)
            continue
        if names is not None:
            before = len(errors)
            _check(key, names, components, child, errors)
            if len(errors) > before:
                errors[-1] = {"field": child, "message": "is not a known field"}
                continue
        if extra is False:
            errors.add(child, "is not a known field")
        elif isinstance(extra, Mapping):
            result[key] = _check(item, extra, components, child, errors)
        else:
            result[key] = item
    return result
