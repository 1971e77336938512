"""Bounds on what a request may carry, checked before anything parses it.

- Body size: every endpoint has a limit (`body_limit` on the view, else the default); a
  request announcing more is answered 413 before the form, the CSRF check or the JSON parser
  reads a byte, and a chunked body is cut off at the same limit while it is read.
- JSON: nesting is bounded before parsing (a deep document would exhaust the parser's stack),
  and no string may hold a NUL or a lone surrogate (the database cannot store either).
- Forms and query strings: no NUL (the database refuses it: a crash, not an answer).
- Ids in URLs: `int` is bounded to the database's integer range, so an id past 2**31 - 1 is
  simply not found instead of overflowing the query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, abort, current_app, jsonify, request
from werkzeug.routing import IntegerConverter

DEFAULT_BODY_LIMIT = 1024 * 1024  # the largest form (a full Dash checklist) is far below this
# Whole areas with a tighter limit than the default (a view's own `body_limit` wins).
BLUEPRINT_LIMITS = {"api": 256 * 1024}  # the API's documented limit (docs/api.md)
MAX_JSON_DEPTH = 32
MAX_DB_INTEGER = 2**31 - 1
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER column can hold."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None):
        super().__init__(
            map, fixed_digits=fixed_digits, min=min, max=MAX_DB_INTEGER if max is None else max
        )


def body_limit(limit: int) -> Callable[[Callable], Callable]:
    """Declare the largest body this view accepts (the default is DEFAULT_BODY_LIMIT)."""

    def decorate(view: Callable) -> Callable:
        view.body_limit = limit  # type: ignore[attr-defined]
        return view

    return decorate


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does this JSON text nest arrays/objects deeper than `limit`? Scans without parsing."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def unstorable_strings(value: Any, path: str = "") -> Iterator[str]:
    """Paths of the strings (keys included) in a parsed JSON value that hold a NUL or a lone
    surrogate."""
    if isinstance(value, str):
        if not _storable(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if not _storable(str(key)):
                yield child
            yield from unstorable_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_strings(item, f"{path}[{index}]")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _limit_for_endpoint() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    default = BLUEPRINT_LIMITS.get(request.blueprint or "", DEFAULT_BODY_LIMIT)
    return getattr(view, "body_limit", default)


def _json_problem(field: str, message: str):
    return jsonify({"errors": [{"field": field, "message": message}]}), 422


def check_request():
    """before_request, registered ahead of every extension (CSRF reads the form)."""
    if request.method not in _BODY_METHODS:
        return _check_query()
    limit = _limit_for_endpoint()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    if request.is_json:
        return _check_json()
    return _check_form() or _check_query()


def _check_json():
    raw = request.get_data(cache=True)  # bounded by max_content_length above
    if json_depth_exceeds(raw):
        return _json_problem("body", f"must not nest more than {MAX_JSON_DEPTH} levels deep")
    data = request.get_json(silent=True)  # cached for the view
    bad = next(unstorable_strings(data), None)
    if bad is not None:
        return _json_problem(bad, "must not contain NUL or unpaired surrogate characters")
    return None


def _check_form():
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            abort(400)
    return None


def _check_query():
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            if request.blueprint == "api":  # the API answers with its field errors (422)
                return _json_problem(key, "must not contain NUL characters")
            abort(400)
    return None


def register(app: Flask) -> None:
    """Before the blueprints (the converter) and the extensions (CSRF reads the body)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request)
