"""The other free-text forms (offers, MARAC, closing a case, accounts, closure days) refuse
control characters with the same shared validator as the referral form, and say which
field is too long."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from triage.admin.forms import CreateUserForm, StatusForm
from triage.lifecycle.forms import CloseReferralForm
from triage.marac.forms import ActionForm, ActionStatusForm, MoveListingForm
from triage.offers.forms import ContactForm
from triage.ops.forms import ClosureDayForm

CASES = [
    (ContactForm, "notes", "Notes", True),
    (ContactForm, "late_reason_detail", "The detail", True),
    (CloseReferralForm, "detail", "Details", True),
    (MoveListingForm, "reason", "The reason", True),
    (ActionForm, "description", "Action", True),
    (ActionStatusForm, "note", "Note", True),
    (CreateUserForm, "name", "Full name", False),
    (CreateUserForm, "agency", "Agency", False),
    (StatusForm, "reason", "Reason", False),
    (ClosureDayForm, "reason", "Reason", False),
]


def field_errors(app, form_class, name: str, value: str) -> list[str]:
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: value}), meta={"csrf": False})
        for field in form:  # choices the view fills in
            if getattr(field, "choices", ()) is None:
                field.choices = []
        form.validate()
        return list(form[name].errors)


@pytest.mark.parametrize(("form_class", "name", "label", "multiline"), CASES)
def test_control_characters_are_refused(app, form_class, name, label, multiline):
    errors = field_errors(app, form_class, name, "Called\x07 twice")
    assert f"{label} must not contain control characters" in errors
    line_breaks = field_errors(app, form_class, name, "Called\r\n\ttwice")
    assert (f"{label} must not contain control characters" in line_breaks) is not multiline


@pytest.mark.parametrize(("form_class", "name", "label", "multiline"), CASES)
def test_too_long_names_the_field(app, form_class, name, label, multiline):
    errors = field_errors(app, form_class, name, "x" * 20_000)
    assert any(
        e.startswith(f"{label} must be ") and e.endswith(" characters or fewer") for e in errors
    )


def test_one_line_fields_refuse_overrides(app):
    errors = field_errors(app, CreateUserForm, "name", "\u202eeiggaM")
    assert errors == [
        "Full name must not contain right-to-left or left-to-right override characters"
    ]
