"""The referral form's sections, the draft they are saved in, and the way back and forth
between what was typed (a draft) and what the intake service takes (a plain dict)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from triage.intake import forms
from triage.intake.victim_fields import victim_extras
from triage.rules import RuleSet
from triage.services.people import match_key
from triage.services.person_details import Viewer
from triage.services.person_matching import visible_matches
from triage.services.repeats import MatchResult


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    summary: str


SECTIONS: tuple[Section, ...] = (
    Section("referrer", "Referrer and consent", "Who is referring, and the basis for sharing"),
    Section("victim", "Victim", "Name, date of birth, contact and equality details"),
    Section("perpetrator", "Perpetrator and children", "Who the perpetrator is, children at home"),
    Section("dash", "Dash risk checklist", "The 24 questions, with any detail"),
    Section(
        "risk",
        "Call-outs, judgement and needs",
        "Police call-outs, professional judgement, complex needs, perpetrator management",
    ),
)
SECTION_NAMES = tuple(s.name for s in SECTIONS)
SECTION_BY_NAME = {s.name: s for s in SECTIONS}
ROLES = ("victim", "perpetrator")

# Fields whose first focusable element is not the field's own id.
DATE_FIELDS = {
    "received_date",
    "victim_date_of_birth",
    "perpetrator_date_of_birth",
    "dash_completed_on",
}
# Form buttons and tokens that are not answers.
NOT_ANSWERS = {"csrf_token", "action"}


def form_class(section: str, ruleset: RuleSet):
    return {
        "referrer": lambda: forms.ReferrerForm,
        "victim": lambda: forms.VictimForm,
        "perpetrator": lambda: forms.PerpetratorForm,
        "dash": lambda: forms.dash_form_class(ruleset),
        "risk": lambda: forms.risk_form_class(ruleset),
    }[section]()


def build_form(section: str, ruleset: RuleSet, formdata: MultiDict | None):
    return form_class(section, ruleset)(formdata=formdata)


def typed(formdata: MultiDict) -> dict[str, list[str]]:
    """What a section POST carried, as JSON for the draft (buttons and token left out)."""
    return {k: v for k, v in formdata.to_dict(flat=False).items() if k not in NOT_ANSWERS}


def saved_formdata(draft: dict, section: str) -> MultiDict | None:
    typed_values = draft.get("sections", {}).get(section)
    return None if typed_values is None else MultiDict(list(_pairs(typed_values)))


def _pairs(values: dict[str, list[str]]) -> Iterable[tuple[str, str]]:
    for key, items in values.items():
        for item in items:
            yield key, item


def field_anchor(field_name: str) -> str:
    return f"{field_name}-day" if field_name in DATE_FIELDS else field_name


def error_list(form, extra: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The error summary's entries, each linking to its field, in the order of the form."""
    items = []
    for field in form:
        if field.errors:
            items.append({"text": field.errors[0], "href": "#" + field_anchor(field.id)})
    for field_name, message in (extra or {}).items():
        if field_name not in form._fields or not form[field_name].errors:
            items.append({"text": message, "href": "#" + field_anchor(field_name)})
    return items


# --------------------------------------------------------------------------- draft status


def section_status(draft: dict, section: str) -> str:
    """'not_started', 'complete' or 'errors' (saved with problems still to fix)."""
    if section not in draft.get("sections", {}):
        return "not_started"
    if draft.get("status", {}).get(section) != "complete":
        return "errors"
    if draft.get("service_errors", {}).get(section):
        return "errors"
    return "complete"


def all_complete(draft: dict) -> bool:
    return all(section_status(draft, s) == "complete" for s in SECTION_NAMES)


def first_incomplete(draft: dict) -> str | None:
    return next((s for s in SECTION_NAMES if section_status(draft, s) != "complete"), None)


def next_section(section: str) -> str | None:
    index = SECTION_NAMES.index(section)
    return SECTION_NAMES[index + 1] if index + 1 < len(SECTION_NAMES) else None


# --------------------------------------------------------------------------- draft -> data


def validated_forms(draft: dict, ruleset: RuleSet) -> dict[str, Any]:
    """Each saved section rebuilt and checked; only the valid ones are returned."""
    valid = {}
    for section in SECTION_NAMES:
        formdata = saved_formdata(draft, section)
        if formdata is None:
            continue
        form = build_form(section, ruleset, formdata)
        if form.validate():
            valid[section] = form
    return valid


def _person(form, role: str) -> dict[str, Any]:
    person = {
        "first_name": form[f"{role}_first_name"].data,
        "last_name": form[f"{role}_last_name"].data,
        "date_of_birth": form[f"{role}_date_of_birth"].data,
        "postcode": form[f"{role}_postcode"].data or None,
        "gender": form[f"{role}_gender"].data or None,
    }
    if role == "victim":
        person["address"] = form.victim_address.data or None
        person.update(victim_extras(form))
    return person


def person_details(draft: dict, ruleset: RuleSet, role: str) -> dict[str, Any] | None:
    """The victim's or perpetrator's name and date of birth as typed (None if not given)."""
    section = "victim" if role == "victim" else "perpetrator"
    formdata = saved_formdata(draft, section)
    if formdata is None:
        return None
    form = build_form(section, ruleset, formdata)
    if not form.validate():
        return None
    if role == "perpetrator" and form.perpetrator_known.data != "yes":
        return None
    return _person(form, role)


def details_key(details: dict[str, Any]) -> str:
    """What a match decision was made about: a change of name or birth date asks again."""
    born = details["date_of_birth"].isoformat() if details["date_of_birth"] else ""
    return f"{match_key(details['first_name'], details['last_name'])}|{born}"


def matches_for(details: dict[str, Any], viewer: Viewer) -> MatchResult:
    """The matches this viewer may be shown (people from cases they may see)."""
    result, _hidden = visible_matches(
        details["first_name"], details["last_name"], details["date_of_birth"], viewer
    )
    return result


def exact_roles(draft: dict, ruleset: RuleSet, viewer: Viewer) -> list[str]:
    """The roles that will be linked, without asking, to a person with the same name and
    date of birth on a case this viewer may see (the check page says so)."""
    roles = []
    for role in ROLES:
        details = person_details(draft, ruleset, role)
        if details is None or draft.get("matches", {}).get(role, {}).get("person_id"):
            continue
        if matches_for(details, viewer).exact is not None:
            roles.append(role)
    return roles


def pending_match(draft: dict, ruleset: RuleSet, viewer: Viewer) -> str | None:
    """The first role whose near matches still need the user's decision."""
    for role in ROLES:
        details = person_details(draft, ruleset, role)
        if details is None:
            continue
        result = matches_for(details, viewer)
        if result.exact is not None or not result.near:
            continue
        decision = draft.get("matches", {}).get(role)
        if decision is None or decision.get("key") != details_key(details):
            return role
        if decision.get("person_id") is not None and decision["person_id"] not in {
            p.id for p in result.near
        }:
            return role
    return None


def confirmed_person_id(draft: dict, ruleset: RuleSet, role: str) -> int | None:
    details = person_details(draft, ruleset, role)
    decision = draft.get("matches", {}).get(role)
    if details is None or decision is None or decision.get("key") != details_key(details):
        return None
    return decision.get("person_id")


def data_from_draft(draft: dict, ruleset: RuleSet) -> dict[str, Any] | None:
    """The form's answers as the referral input (`triage.referral_input.ReferralInput`,
    which `create_referral` validates); None if a section is missing or invalid."""
    valid = validated_forms(draft, ruleset)
    if set(valid) != set(SECTION_NAMES):
        return None
    referrer, victim, perp = valid["referrer"], valid["victim"], valid["perpetrator"]
    dash, risk = valid["dash"], valid["risk"]
    data: dict[str, Any] = {
        "source_agency": referrer.source_agency.data,
        "referrer_name": referrer.referrer_name.data,
        "referrer_contact": referrer.referrer_contact.data or None,
        "police_reference": referrer.police_reference.data or None,
        "consent_basis": referrer.consent_basis.data,
        "victim": _person(victim, "victim"),
        "perpetrator": _person(perp, "perpetrator")
        if perp.perpetrator_known.data == "yes"
        else None,
        "children_in_household": int(perp.children_in_household.data.strip()),
        "dash": {n: dash[f"q{n}"].data for n in dash.question_numbers},
        "dash_details": {
            n: dash[f"q{n}_detail"].data
            for n in dash.question_numbers
            if (dash[f"q{n}_detail"].data or "").strip()
        },
        "dash_completed_by": dash.dash_completed_by.data or None,
        "dash_completed_on": dash.dash_completed_on.data,
        "police_callouts_12m": int(risk.police_callouts_12m.data.strip()),
        "professional_judgement": risk.professional_judgement.data == "yes",
        "professional_judgement_reason": (risk.professional_judgement_reason.data or "")
        if risk.professional_judgement.data == "yes"
        else "",
        "victim_needs": list(risk.victim_needs.data or []),
        "perpetrator_management": list(risk.perpetrator_management.data or []),
        "detail": risk.detail.data or None,
    }
    moment = forms.received_at(referrer)
    if moment is not None:
        data["received_at"] = moment
    for role in ROLES:
        person_id = confirmed_person_id(draft, ruleset, role)
        if person_id is not None:
            data[f"{role}_person_id"] = person_id
    return data


# --------------------------------------------------------------------------- service errors


def locate(field: str) -> tuple[str, str] | None:
    """Where on the form a service error belongs: (section, form field name)."""
    head, _, tail = field.partition(".")
    base = head.split("[", 1)[0]
    simple = {
        "source_agency": ("referrer", "source_agency"),
        "referrer_name": ("referrer", "referrer_name"),
        "referrer_contact": ("referrer", "referrer_contact"),
        "police_reference": ("referrer", "police_reference"),
        "consent_basis": ("referrer", "consent_basis"),
        "received_at": ("referrer", "received_date"),
        "last_marac_referral_at": ("referrer", "received_date"),
        "victim_person_id": ("victim", "victim_first_name"),
        "perpetrator_person_id": ("perpetrator", "perpetrator_first_name"),
        "children_in_household": ("perpetrator", "children_in_household"),
        "dash_completed_by": ("dash", "dash_completed_by"),
        "dash_completed_on": ("dash", "dash_completed_on"),
        "police_callouts_12m": ("risk", "police_callouts_12m"),
        "professional_judgement": ("risk", "professional_judgement"),
        "professional_judgement_reason": ("risk", "professional_judgement_reason"),
        "victim_needs": ("risk", "victim_needs"),
        "perpetrator_management": ("risk", "perpetrator_management"),
        "detail": ("risk", "detail"),
    }
    if base in simple and not tail:
        return simple[base]
    if base in ROLES:
        if not tail:
            return (base, "perpetrator_known" if base == "perpetrator" else "victim_first_name")
        return (base, f"{base}_{tail}")
    if base == "dash":
        return ("dash", f"q{tail}" if tail.isdigit() else "q1")
    if base == "dash_details" and tail.isdigit():
        return ("dash", f"q{tail}_detail")
    return None
