"""The victim's equality codes and safe contact from the CSV import: stored like the other
doors, and a bad value rejects its row with the column named."""

from __future__ import annotations

import pytest

from tests.services.test_importer import csv_bytes, row, run
from triage.extensions import db
from triage.models import Referral

pytestmark = pytest.mark.usefixtures("app_ctx")

EXTRAS = {
    "victim_phone": "07700 900123",
    "victim_safe_to_call": "Y",
    "victim_safe_to_leave_message": "dk",
    "victim_safe_to_write": "N",
    "victim_safe_times": "Mornings",
    "victim_ethnicity": "White_Gypsy_Traveller",
    "victim_sexual_orientation": "heterosexual",
    "victim_trans": "no",
    "victim_disability": "no",
}


def test_columns_are_stored_and_flags_derived():
    report = run(csv_bytes(row(**EXTRAS), row(police_reference="MPS-2")))
    assert report.counts()["accepted"] == 2, report.rejected
    victim = db.session.get(Referral, report.accepted[0].referral_id).victim_details
    assert victim.phone == "07700 900123"
    assert (victim.safe_to_call, victim.safe_to_leave_message, victim.safe_to_write) == (
        True,
        None,
        False,
    )
    assert victim.safe_times == "Mornings"
    assert victim.ethnicity == "white_gypsy_traveller" and victim.racially_minoritised is True
    assert (victim.lgbt, victim.disabled) == (False, False)
    # A row that leaves the columns blank (or out) records nothing.
    other = db.session.get(Referral, report.accepted[1].referral_id).victim_details
    assert other.ethnicity is None and other.racially_minoritised is None and other.phone is None


def test_bad_values_reject_the_row_naming_each_column():
    bad = row(
        **{
            **EXTRAS,
            "victim_phone": "999",
            "victim_safe_to_call": "maybe",
            "victim_ethnicity": "english",
            "victim_disability": "sometimes",
        }
    )
    report = run(csv_bytes(bad))
    assert report.counts()["rejected"] == 1
    columns = {e["column"]: e["message"] for e in report.rejected[0].errors}
    assert set(columns) == {
        "victim_phone",
        "victim_safe_to_call",
        "victim_ethnicity",
        "victim_disability",
    }, columns
    assert "UK phone number" in columns["victim_phone"]
    assert columns["victim_safe_to_call"] == "must be Y, N or DK"
    assert db.session.query(Referral).count() == 0
