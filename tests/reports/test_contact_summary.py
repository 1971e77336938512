"""The referral's contact summary (first contact; first offer's time, hours and reason):
kept by `record_contact` in the contact's transaction, refreshed by
`recompute-working-hours`, and backfilled by its migration."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from tests.reports import fixtures as fx
from tests.reports.fixtures import _offer, london
from triage.extensions import db
from triage.models import ClosureDay, Offer, Referral
from triage.services.reports.timeliness import timeliness_report


def _summary(referral: Referral) -> tuple:
    db.session.expire(referral)
    return (
        referral.first_contact_at,
        referral.first_offer_at,
        referral.first_offer_hours,
        referral.first_offer_late_reason,
    )


def test_record_contact_keeps_the_first_contact_and_the_first_offer(app_ctx):
    refs = fx.build()
    # C: no contact Thu 2 Apr 15:00, then accepted (late) Wed 8 Apr 10:00, 14 working hours.
    assert _summary(refs["C"]) == (
        london(2026, 4, 2, 15, 0),
        london(2026, 4, 8, 10, 0),
        14.0,
        "not_contactable",
    )
    # D: an attempt only; E: nothing at all.
    assert _summary(refs["D"]) == (london(2026, 3, 30, 14, 0), None, None, None)
    assert _summary(refs["E"]) == (None, None, None, None)


def test_a_later_offer_does_not_replace_the_first_but_an_earlier_dated_one_does(app_ctx):
    refs = fx.build()
    c = refs["C"]
    _offer(c, london(2026, 4, 9, 10, 0), outcome="declined", late_reason="unsafe_to_contact")
    assert _summary(c)[1:] == (london(2026, 4, 8, 10, 0), 14.0, "not_contactable")
    # Recorded afterwards but dated Tue 7 Apr 11:00, before the due time (no reason): Good
    # Friday and Easter Monday are bank holidays, so Thu 12:00-17:00 + Tue 09:00-11:00 = 7 h.
    _offer(c, london(2026, 4, 7, 11, 0), outcome="declined")
    assert _summary(c) == (london(2026, 4, 2, 15, 0), london(2026, 4, 7, 11, 0), 7.0, None)
    # An attempt dated before everything moves the first contact only.
    _offer(c, london(2026, 4, 2, 12, 30), outcome="no_contact")
    assert _summary(c) == (london(2026, 4, 2, 12, 30), london(2026, 4, 7, 11, 0), 7.0, None)


def test_on_a_tie_the_offer_recorded_first_stays_first(app_ctx):
    refs = fx.build()
    a = refs["A"]  # accepted Tue 24 Mar 11:00, on time
    _offer(a, london(2026, 3, 24, 11, 0), outcome="declined")
    first = db.session.scalar(
        select(Offer).where(Offer.referral_id == a.id).order_by(Offer.made_at, Offer.id)
    )
    assert first.outcome == "accepted"
    assert _summary(a)[1:3] == (london(2026, 3, 24, 11, 0), 9.0)


def test_recompute_refresh_updates_the_stored_first_offer_hours(app, app_ctx):
    refs = fx.build()
    # A closure day on Thu 26 March: I's offer (Wed 25 -> Fri 27) loses a working day.
    db.session.add(ClosureDay(day=date(2026, 3, 26), reason="Council closure"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["triage", "recompute-working-hours", "--refresh"])
    assert result.exit_code == 0, result.output
    assert _summary(refs["I"])[2] == 8.0
    assert _summary(refs["A"])[2] == 9.0  # untouched by the closure


def test_the_report_reads_the_summary_as_of_its_time(app_ctx):
    """Before C's offer (Wed 8 Apr 10:00) the stored first offer does not count, nor its
    hours; the first contact (Thu 2 Apr 15:00) does."""
    refs = fx.build()
    report = timeliness_report(
        db.session, fx.PERIOD, as_of=london(2026, 4, 8, 9, 0), settings=fx.SETTINGS
    )
    mcic = report.breakdowns["mcic"]["mcic"]  # C alone
    assert (mcic.offers_made, mcic.first_attempt_on_time, mcic.median_hours) == (0, 1, None)
    # And a summary that disagreed with the offers would show: the report reads the summary.
    db.session.execute(
        update(Referral).where(Referral.id == refs["C"].id).values(first_offer_at=None)
    )
    report = timeliness_report(db.session, fx.PERIOD, as_of=fx.AS_OF, settings=fx.SETTINGS)
    assert report.breakdowns["mcic"]["mcic"].offers_made == 0
