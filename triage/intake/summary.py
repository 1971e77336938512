"""The "Check your answers" page as plain rows for govukSummaryList, with Change links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for

from triage.intake.flow import field_anchor
from triage.intake.victim_summary import victim_rows

LONDON = ZoneInfo("Europe/London")
NOT_GIVEN = "Not given"


def _date(value: date | None) -> str | None:
    return f"{value.day} {value:%B %Y}" if value else None


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not known")  # type: ignore[arg-type]


def _row(key: str, value: Any, section: str, field: str) -> dict:
    href = url_for(
        "referral.section", section=section, _anchor=field_anchor(field), **{"return": "check"}
    )
    text = NOT_GIVEN if value in (None, "") else str(value)
    return {
        "key": {"text": key},
        "value": {"text": text},
        "actions": {"items": [{"href": href, "text": "Change", "visuallyHiddenText": key.lower()}]},
    }


def check_sections(data: dict, labels: dict) -> list[dict]:
    """[{title, rows, confirmed_role}] in the order of the form."""
    victim, perp = data["victim"], data.get("perpetrator")
    sections = [
        {
            "title": "1. Referrer and consent",
            "rows": [
                _row(
                    "Agency",
                    labels["agencies"].get(data["source_agency"]),
                    "referrer",
                    "source_agency",
                ),
                _row("Referrer", data["referrer_name"], "referrer", "referrer_name"),
                _row(
                    "Referrer contact", data.get("referrer_contact"), "referrer", "referrer_contact"
                ),
                _row(
                    "Police reference", data.get("police_reference"), "referrer", "police_reference"
                ),
                _row(
                    "Received",
                    _moment(data.get("received_at")) or "Now, when you send it",
                    "referrer",
                    "received_date",
                ),
                _row(
                    "Basis for sharing",
                    labels["consent"].get(data["consent_basis"]),
                    "referrer",
                    "consent_basis",
                ),
            ],
        },
        {
            "title": "2. Victim",
            "confirmed": "victim" if data.get("victim_person_id") else None,
            "rows": [
                _row(
                    "Name",
                    f"{victim['first_name']} {victim['last_name']}",
                    "victim",
                    "victim_first_name",
                ),
                _row(
                    "Date of birth",
                    _date(victim["date_of_birth"]),
                    "victim",
                    "victim_date_of_birth",
                ),
                _row(
                    "Gender",
                    labels["genders"].get(victim["gender"] or ""),
                    "victim",
                    "victim_gender",
                ),
                _row("Postcode", victim["postcode"], "victim", "victim_postcode"),
                _row("Address", victim["address"], "victim", "victim_address"),
                *victim_rows(victim, _row),
            ],
        },
    ]
    children = _row(
        "Children in the household",
        data["children_in_household"],
        "perpetrator",
        "children_in_household",
    )
    if perp:
        perp_rows = [
            _row(
                "Perpetrator's name",
                f"{perp['first_name']} {perp['last_name']}",
                "perpetrator",
                "perpetrator_first_name",
            ),
            _row(
                "Date of birth",
                _date(perp["date_of_birth"]),
                "perpetrator",
                "perpetrator_date_of_birth",
            ),
            _row(
                "Gender",
                labels["genders"].get(perp["gender"] or ""),
                "perpetrator",
                "perpetrator_gender",
            ),
            _row("Postcode", perp["postcode"], "perpetrator", "perpetrator_postcode"),
            children,
        ]
    else:
        perp_rows = [_row("Perpetrator", "Not known", "perpetrator", "perpetrator_known"), children]
    sections.append(
        {
            "title": "3. Perpetrator and children",
            "confirmed": "perpetrator" if data.get("perpetrator_person_id") else None,
            "rows": perp_rows,
        }
    )
    dash_rows = []
    for number, answer in data["dash"].items():
        question = labels["questions"][number]
        detail = data["dash_details"].get(number)
        value = labels["answers"][answer] + (f": {detail}" if detail else "")
        dash_rows.append(_row(f"{number}. {question.label}", value, "dash", f"q{number}"))
    dash_rows.append(
        _row("Completed by", data.get("dash_completed_by"), "dash", "dash_completed_by")
    )
    dash_rows.append(
        _row("Completed on", _date(data.get("dash_completed_on")), "dash", "dash_completed_on")
    )
    sections.append({"title": "4. Dash risk checklist", "rows": dash_rows})
    needs = [labels["needs"].get(c, c) for c in data["victim_needs"]]
    management = [labels["management"].get(c, c) for c in data["perpetrator_management"]]
    judgement = (
        f"Yes: {data['professional_judgement_reason']}" if data["professional_judgement"] else "No"
    )
    sections.append(
        {
            "title": "5. Call-outs, judgement and needs",
            "rows": [
                _row(
                    "Police call-outs in the last 12 months",
                    data["police_callouts_12m"],
                    "risk",
                    "police_callouts_12m",
                ),
                _row(
                    "Professional judgement: high risk", judgement, "risk", "professional_judgement"
                ),
                _row("Victim needs", ", ".join(needs) or "None", "risk", "victim_needs"),
                _row(
                    "Perpetrator management",
                    ", ".join(management) or "None",
                    "risk",
                    "perpetrator_management",
                ),
                _row("What happened", data.get("detail"), "risk", "detail"),
            ],
        }
    )
    return sections
