"""Form fields shared by the blueprints."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, StringField
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Regexp


class DayMonthYearField(DateField):
    """A date typed as day, month and year (use with GovDateInput, format "%d %m %Y").

    The GOV.UK widget needs exactly three values to render; a request that sends anything
    else (a hand-made POST, a missing part) gets an error on the field, never a crash.
    """

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = ["", "", ""]


TIME_PATTERN = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
TIME_MESSAGE = "Enter the time as hours and minutes, for example 14:30"


def date_field(label: str, required: str, example: str = "27 3 2026") -> DayMonthYearField:
    """A required GOV.UK date input (day, month, year)."""
    return DayMonthYearField(
        label,
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired(required)],
        description=f"For example, {example}",
    )


def time_field(label: str, required: str, example: str) -> StringField:
    """A required HH:MM time, London wall-clock time; pair with a `date_field`."""
    return StringField(
        label,
        widget=GovTextInput(),
        description=f"24-hour clock, London time, for example {example}",
        validators=[InputRequired(required), Regexp(TIME_PATTERN, message=TIME_MESSAGE)],
    )


def local_instant(day: date | None, hhmm: str | None, timezone: str) -> datetime | None:
    """A London (wall-clock) date and HH:MM as an aware UTC instant; None if incomplete."""
    match = TIME_PATTERN.match(hhmm or "")
    if day is None or match is None:
        return None
    wall = time(int(match.group(1)), int(match.group(2)))
    return datetime.combine(day, wall).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
