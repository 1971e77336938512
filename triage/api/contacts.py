"""The API for S2S contacts and the morning list (issue 9):

- `POST /api/v1/referrals/{id}/contacts`: an attempt or an offer, checked by the same rules
  as the "Record a contact" form (`services.offers.check_contact`); 422 lists every problem.
- `GET /api/v1/screening?day=YYYY-MM-DD`: the morning list in its order, each row's state.

Per-case access as everywhere: a referral the caller may not record on answers 404 (audited),
and the list holds only the cases the caller may see (`visible_referrals_clause`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from triage.api.views import _invalid, _json_body, bp
from triage.auth.decorators import requires
from triage.field_validation import check_shape
from triage.input_fields import Moment, _optional_text
from triage.models import Referral
from triage.services import offers, screening_list
from triage.services.calendar import current_calendar
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.transaction import attempt

# How far ahead a morning may be asked for (planning tomorrow's meeting, or after a holiday).
MAX_DAYS_AHEAD = 14
# The API's names for the service's fields.
API_FIELDS = {
    "late_reason": "lateness_reason",
    "late_reason_detail": "lateness_detail",
    "referral": "referral",
}


class ContactCreate(BaseModel):
    """An attempt to reach the victim, or an offer that reached them."""

    model_config = ConfigDict(extra="forbid")

    made_at: Annotated[
        Moment, Field(description="When the contact was made, with a UTC offset; not future.")
    ]
    method: Literal[tuple(offers.METHODS)]
    outcome: Annotated[
        Literal[tuple(offers.OUTCOMES)],
        Field(
            description=(
                "accepted or declined: an offer reached the victim (the case leaves the "
                "morning list). no_contact or unsafe_to_contact: an attempt (it stays)."
            )
        ),
    ]
    lateness_reason: Annotated[
        Literal[tuple(offers.LATE_REASONS)] | None,
        Field(description="Required for an offer made after the due time; else ignored."),
    ] = None
    # The one text rule of every door (no control characters), published as its pattern.
    lateness_detail: Annotated[
        _optional_text(offers.MAX_DETAIL, multiline=True),
        Field(description="Required when lateness_reason is other."),
    ] = None
    notes: Annotated[
        _optional_text(offers.MAX_NOTES, multiline=True),
        Field(description="No addresses or contact details."),
    ] = None


def _contact_errors(referral: Referral, data: object) -> tuple[dict, list[dict[str, str]]]:
    """The shape's problems and the service's rules, together: every problem at once."""
    clean, errors = check_shape(ContactCreate, data)
    if not isinstance(data, dict):
        return clean, errors
    broken = {e["field"] for e in errors}
    found, _late = offers.check_contact(
        referral,
        made_at=clean.get("made_at"),
        method=clean.get("method"),
        outcome=clean.get("outcome"),
        notes=clean.get("notes"),
        late_reason=clean.get("lateness_reason"),
        detail=clean.get("lateness_detail"),
        now=request_now(),
    )
    for field, message in found.items():
        name = API_FIELDS.get(field, field)
        if name not in broken:
            errors.append({"field": name, "message": message})
    return clean, errors


@bp.route("/referrals/<int:referral_id>/contacts", methods=["POST"])
@requires("offer.record")
def record_contact(referral_id: int):
    referral = get_or_404(Referral, referral_id, object_type="referral", capability="offer.record")
    data = _json_body()
    if data is None:
        return _invalid([{"field": "body", "message": "must be a JSON object (application/json)"}])
    clean, errors = _contact_errors(referral, data)
    if errors:
        return _invalid(errors)
    contact, refusal = attempt(
        offers.record_contact,
        referral.id,
        made_at=clean["made_at"],
        method=clean["method"],
        outcome=clean["outcome"],
        notes=clean.get("notes"),
        late_reason=clean.get("lateness_reason"),
        late_reason_detail=clean.get("lateness_detail"),
        actor=current_actor(),
        now=request_now(),
        calendar=current_calendar(request_settings().calendar),
        refusals=(offers.OfferError,),
    )
    if refusal is not None:
        return _invalid(
            [{"field": API_FIELDS.get(k, k), "message": v} for k, v in refusal.errors.items()]
        )
    response = jsonify(_contact_body(referral, contact))
    response.status_code = 201
    return response


def _contact_body(referral: Referral, contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "referral_id": referral.id,
        "reference": referral.reference,
        "kind": "offer" if offers.is_offer(contact.outcome) else "attempt",
        "made_at": contact.made_at.isoformat(),
        "method": contact.method,
        "outcome": contact.outcome,
        "on_time": offers.is_on_time(contact, referral),
        "lateness_reason": contact.late_reason,
        "referral_status": referral.status,
        "on_morning_list": referral.status == "received",
    }


def _as_of(raw: str | None, now: datetime, calendar) -> tuple[datetime | None, str | None]:
    """The instant the list's states are worked out at: now for today, the opening time of a
    later day (the morning meeting). Past days are refused: the list is what still waits."""
    today = calendar.local_date(now)
    if not raw:
        return now, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None, "must be a date as YYYY-MM-DD"
    if day < today:
        return None, "must be today or later: the morning list shows the cases still waiting"
    if (day - today).days > MAX_DAYS_AHEAD:
        return None, f"must be at most {MAX_DAYS_AHEAD} days ahead"
    if day == today:
        return now, None
    opening = datetime.combine(day, calendar.opening_time, tzinfo=calendar.timezone)
    return opening.astimezone(now.tzinfo), None


@bp.route("/screening", methods=["GET"])
@requires("referral.screen")
def morning_list():
    calendar = current_calendar(request_settings().calendar)
    now = request_now()
    as_of, problem = _as_of(request.args.get("day"), now, calendar)
    errors = [{"field": "day", "message": problem}] if problem else []
    owners = screening_list.owner_choices()
    filters, problems = screening_list.parse_filters(request.args, owners)
    for message in problems:  # the API refuses what the page ignores ("Unknown owner ...")
        errors.append({"field": message.split()[1], "message": "is not a known code"})
    unknown = set(request.args) - {"day", "status", "owner", "risk", "source", "marac", "mcic"}
    errors += [{"field": name, "message": "is not a known parameter"} for name in sorted(unknown)]
    if errors:
        return _invalid(errors)
    found = screening_list.morning_list(current_user, filters, now=as_of, calendar=calendar)
    return jsonify(
        {
            "day": calendar.local_date(as_of).isoformat(),
            "as_of": as_of.isoformat(),
            "counts": found.counts,
            "rows": [_row_body(row) for row in found.rows],
        }
    )


def _row_body(row: screening_list.Row) -> dict[str, Any]:
    r = row.referral
    return {
        "id": r.id,
        "reference": r.reference,
        "received_at": r.received_at.isoformat(),
        "offer_due_at": r.offer_due_at.isoformat() if r.offer_due_at else None,
        "state": row.state,
        "due_text": row.due_text,
        "contact": row.contact,
        "attempts": row.attempts,
        "owner": {"id": row.owner_id, "name": row.owner_name} if row.owner_id else None,
        "risk_level": r.risk_level,
        "mcic": r.mcic,
        "marac": r.marac,
        "repeat": row.repeat,
        "source_agency": r.source_agency,
    }
