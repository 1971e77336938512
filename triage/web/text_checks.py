"""WTForms validators for free text, shared by every form (referral, offers, MARAC,
closure, accounts): the same rule as the one input definition (`triage.referral_input`),
so a form refuses exactly what the API and the CSV import refuse, with a message that names
the field ("Victim's first name must not contain control characters")."""

from __future__ import annotations

from wtforms.validators import ValidationError

from triage.input_fields import text_problem

_MESSAGES = {
    "control_characters": "{label} must not contain control characters",
    "bidi_characters": "{label} must not contain right-to-left or left-to-right override "
    "characters",
}


def _label(field, label: str | None) -> str:
    text = label or field.label.text
    return text.removesuffix(" (optional)").rstrip("?")


def plain_text(label: str | None = None, *, multiline: bool = False):
    """No control characters (newline and tab allowed when `multiline`); in one-line
    fields no bidirectional overrides or isolates either."""

    def check(form, field) -> None:
        kind = text_problem(field.data or "", multiline=multiline)
        if kind:
            raise ValidationError(_MESSAGES[kind].format(label=_label(field, label)))

    return check


def max_length(maximum: int, label: str | None = None):
    """At most `maximum` characters, counted as typed (as the API counts them)."""

    def check(form, field) -> None:
        if len(field.data or "") > maximum:
            name = _label(field, label)
            raise ValidationError(f"{name} must be {maximum} characters or fewer")

    return check


def free_text(maximum: int, label: str | None = None, *, multiline: bool = False) -> list:
    """Both checks, for a field's `validators=[...]`."""
    return [plain_text(label, multiline=multiline), max_length(maximum, label)]
