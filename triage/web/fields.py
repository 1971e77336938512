"""Form fields shared by the blueprints."""

from __future__ import annotations

from wtforms import DateField
from wtforms.utils import unset_value


class DayMonthYearField(DateField):
    """A date typed as day, month and year (use with GovDateInput, format "%d %m %Y").

    The GOV.UK widget needs exactly three values to render; a request that sends anything
    else (a hand-made POST, a missing part) gets an error on the field, never a crash.
    """

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = ["", "", ""]
