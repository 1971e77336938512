"""Load, check, 404: the one way a view fetches the object its URL names.

A missing object and one the user may not see answer the same 404, and both leave the same
audited refusal (triage.web.errors records `access.denied` for the object named here).
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from flask import abort, g
from flask_login import current_user

from triage.extensions import db
from triage.permissions import can

T = TypeVar("T")


def refuse(object_type: str, object_id: object) -> NoReturn:
    """Answer 404 for this object, recording which object was refused."""
    g.denied_object_type, g.denied_object_id = object_type, object_id
    abort(404)


def get_or_404(
    model: type[T],
    object_id: int,
    *,
    object_type: str,
    capability: str | None = None,
    via: Any = None,
) -> T:
    """The `model` row with this id, or 404.

    With `capability`, the signed-in user must also hold it on the row itself or, when `via`
    is given, on the object `via(row)` returns (e.g. an action is visible through its
    listing's case)."""
    row = db.session.get(model, object_id)
    if row is None:
        refuse(object_type, object_id)
    if capability is not None:
        target = via(row) if via is not None else row
        if not can(current_user, capability, target):
            refuse(object_type, object_id)
    return row
