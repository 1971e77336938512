"""The bulk CSV path stores exactly what importing one row at a time stores: the same
report, people, matches, tasks, assessments, due actions and audit events (ids aside)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, true

from tests.factories import make_person, make_user
from tests.services.test_importer import NOW, RECEIVED, csv_bytes, row
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, DueAction, PossibleMatch, Referral
from triage.services import audit, import_bulk
from triage.services.actor import Actor
from triage.services.importer import import_referrals
from triage.services.match_pool import MatchPool
from triage.services.people import match_key
from triage.services.person_details import Viewer
from triage.services.repeats import find_matches

pytestmark = pytest.mark.usefixtures("app_ctx")


def _file() -> bytes:
    """Repeats inside the file and against stored people, a MARAC pair seen twice (the
    second a repeat), duplicates, a rejected row whose reference comes back later."""
    pair = {"victim_first_name": "Jo", "victim_last_name": "Pair", "victim_dob": "01/02/1980",
            "perpetrator_first_name": "Max", "perpetrator_last_name": "Pair",
            "perpetrator_dob": "03/04/1979", "police_callouts_12m": "0"}  # fmt: skip
    later = (RECEIVED + timedelta(hours=1)).isoformat()
    return csv_bytes(
        row(
            police_reference="B-1",
            **pair,
            professional_judgement="Y",
            professional_judgement_reason="Threats",
        ),
        row(police_reference="B-2", victim_first_name="Morgan", victim_last_name="Reid"),
        row(police_reference="b-1"),  # a repeat of line 2's reference
        row(police_reference="B-3", consent_basis=""),  # rejected
        row(police_reference="B-3", victim_first_name="Morgen"),  # near the stored Morgan
        row(police_reference="B-4", **pair, received_at=later),  # the pair again: a MARAC repeat
        row(police_reference="STORED-1"),  # stored before the import
        row(
            police_reference="B-5",
            victim_first_name="Hidden",
            victim_last_name="Person",
            victim_dob="05/06/1970",
        ),
        row(
            police_reference="B-6",
            victim_first_name="hidden",
            victim_last_name="person",
            victim_dob="05/06/1970",
        ),  # the person line 9 made
    )


def _stored_before() -> None:
    make_person(first_name="Morgan", last_name="Reid", date_of_birth=date(1985, 3, 14))
    make_person(first_name="Hidden", last_name="Person", date_of_birth=date(1970, 6, 5))
    import_referrals(csv_bytes(row(police_reference="STORED-1", victim_first_name="Una")),
                     actor=Actor.system("test"), now=NOW, settings=app_settings())  # fmt: skip
    db.session.flush()


def _picture(report, actor) -> dict:
    """Everything the import stored, with ids replaced by what they name."""
    ids = {a.referral_id: a.line for a in report.accepted}
    referrals = {r.id: r for r in db.session.scalars(select(Referral).where(Referral.id.in_(ids)))}
    people: dict[int, str] = {}

    def person(person_id):
        return people.setdefault(person_id, f"p{len(people)}") if person_id else None

    stored = {
        ids[r.id]: (person(r.victim_id), person(r.perpetrator_id), r.assessment, r.offer_due_at,
                    sorted((d.role, d.first_name, d.last_name) for d in r.people_details))
        for r in sorted(referrals.values(), key=lambda r: ids[r.id])
    }  # fmt: skip
    tasks = sorted(
        (ids[t.referral_id], t.role, t.person_id, t.kind)
        for t in db.session.scalars(select(PossibleMatch).where(PossibleMatch.referral_id.in_(ids)))
    )
    due = sorted(
        (ids[d.referral_id], d.kind, d.due_at, d.status)
        for d in db.session.scalars(select(DueAction).where(DueAction.referral_id.in_(ids)))
    )
    events = [
        (e.action, ids.get(int(e.object_id)) if e.object_type == "referral" else None,
         {k: v for k, v in e.details.items() if k not in ("reference", "sha256")})
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id == actor.id).order_by(AuditEvent.seq))
    ]  # fmt: skip
    return {
        "counts": report.counts(),
        "accepted": [(a.line, a.police_reference) for a in report.accepted],
        "duplicates": [(d.line, d.police_reference, d.first_line) for d in report.duplicates],
        "rejected": [(r.line, r.police_reference, r.errors) for r in report.rejected],
        "referrals": stored,
        "tasks": tasks,
        "due": due,
        "events": events,
    }


@pytest.mark.parametrize("roles", [["screener"], ["referrer"]])
def test_bulk_stores_what_one_row_at_a_time_stores(roles):
    _stored_before()
    user = make_user(roles=roles)
    actor = Actor.for_user(user)
    assert import_bulk.sees_own_imports(Viewer.for_actor(actor))
    pictures = []
    for bulk in (True, False):
        savepoint = db.session.begin_nested()
        report = import_referrals(_file(), actor=actor, now=NOW, settings=app_settings(),
                                  bulk=bulk)  # fmt: skip
        audit.flush_queued()
        assert report.path == ("bulk" if bulk else "rows")
        pictures.append(_picture(report, actor))
        savepoint.rollback()
    bulk, one_by_one = pictures
    assert bulk == one_by_one
    assert bulk["counts"] == {"rows": 9, "accepted": 6, "already_imported": 2, "rejected": 1}
    lines = bulk["referrals"]
    assert lines[2][2]["marac_criteria"] == ["professional_judgement"]
    assert lines[7][2]["marac_criteria"] == ["repeat"]  # the pair of line 2, again
    assert lines[2][0] == lines[7][0] and lines[10][0] == lines[9][0]  # reused in the file
    if roles == ["referrer"]:  # stored people are in no case this referrer may see
        assert {(t[0], t[3]) for t in bulk["tasks"]} >= {(3, "exact"), (6, "near"), (9, "exact")}


def test_an_importer_who_cannot_see_its_own_referrals_keeps_to_one_row_at_a_time():
    coordinator = make_user(roles=["marac_coordinator"])
    assert not import_bulk.sees_own_imports(Viewer.for_actor(Actor.for_user(coordinator)))
    assert import_bulk.sees_own_imports(Viewer.for_actor(Actor.system("cli")))


def test_the_pool_answers_what_find_matches_answers():
    rng = random.Random(3)
    firsts = ["sam", "samantha", "alex", "alexa", "jo", "joe", "morgan", "morgen"]
    lasts = ["reid", "reed", "smith", "smyth", "o'neil", "oneill"]
    days = [date(1980, 1, 2), date(1980, 2, 1), date(1981, 1, 2), None]
    for _ in range(60):
        make_person(first_name=rng.choice(firsts), last_name=rng.choice(lasts),
                    date_of_birth=rng.choice(days))  # fmt: skip
    wanted = [(rng.choice(firsts), rng.choice(lasts), rng.choice(days)) for _ in range(40)]
    pool = MatchPool.read(wanted[:30], visible=true())  # the rest are read on demand
    for first, last, born in wanted:
        direct = find_matches(first, last, born, visible=true())
        pooled = pool.matches(first, last, born)
        assert (pooled.exact.id if pooled.exact else None) == (
            direct.exact.id if direct.exact else None
        ), match_key(first, last)
        assert [p.id for p in pooled.near] == [p.id for p in direct.near]
        assert set(pooled.visible_ids) == set(direct.visible_ids)


def test_a_reference_stored_meanwhile_falls_back_to_one_row_at_a_time(monkeypatch):
    """Another import stores a reference after this one looked: the bulk insert fails on
    the unique reference, and the file is imported row by row (the row is a duplicate)."""
    _stored_before()
    monkeypatch.setattr(import_bulk, "_stored_references", lambda refs: ({}, set()))
    content = csv_bytes(row(police_reference="STORED-1"), row(police_reference="NEW-1"))
    report = import_referrals(content, actor=Actor.system("test"), now=NOW,
                              settings=app_settings())  # fmt: skip
    assert report.path == "rows"
    assert [(d.line, d.police_reference) for d in report.duplicates] == [(2, "STORED-1")]
    assert [a.police_reference for a in report.accepted] == ["NEW-1"]
