"""The MARAC agenda for agencies: CSV and print content in SafeLives order on a fixed
dataset, only the fields agencies need, formula-neutral cells, and the audit of each export."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from tests.factories import make_user
from tests.marac_agenda_support import CAL, NOW, build
from tests.marac_support import ACTOR
from triage.extensions import db
from triage.models import AuditEvent
from triage.services import marac_agenda_export
from triage.services.marac_agenda_export import HEADER, MARKING, neutralise


def _coordinator():
    return make_user(roles=["marac_coordinator"])


def _csv(data, reader) -> list[list[str]]:
    text, count = marac_agenda_export.export_agenda_csv(
        data.target_id, actor=ACTOR, now=NOW, calendar=CAL, reader=reader
    )
    assert count == 4
    return list(csv.reader(io.StringIO(text)))


def test_csv_is_marked_and_in_safelives_order_with_only_the_research_fields(app_ctx):
    data = build()
    rows = _csv(data, _coordinator())
    assert rows[0] == [MARKING] and rows[-1] == [MARKING]
    assert rows[1] == ["MARAC agenda for the meeting of 2026-02-12"]
    assert rows[2] == HEADER
    body = rows[3:-1]
    sections = [r[0] for r in body]
    assert sections == [
        "Confidentiality statement",
        "Open action from an earlier meeting",
        "New case: household with children",
        "New case: household with children",
        "New case: adult-only household",
        "New case: adult-only household",
        "Notice: repeat window lapsed",
    ]
    ref = data.reference
    assert [r[1] for r in body[1:]] == [
        ref(data.earlier_case),
        ref(data.child_1),
        ref(data.child_2),
        ref(data.adult_1),
        ref(data.adult_2),
        ref(data.lapsed),
    ]
    assert body[0][-1].startswith("Information shared at this meeting")
    # The open action from the earlier meeting (the done one is not carried).
    action = dict(zip(HEADER, body[1], strict=True))
    assert action["Action agency"] == "Housing"
    assert action["Action"] == "Fit a lock to the back door"
    assert action["Action due"] == "2026-02-20"
    assert "Flag the address" not in str(rows)
    cleo = dict(zip(HEADER, body[2], strict=True))
    assert cleo == {
        **{k: "" for k in HEADER},
        "Section": "New case: household with children",
        "Referral": ref(data.child_1),
        "Victim name": "Cleo Victim",
        "Victim date of birth": "1990-01-02",
        "Victim address": "2 High Street, London, E1 2AA",
        "Perpetrator name": "PerpCleo Doe",
        "Perpetrator date of birth": "1985-02-02",
        "Perpetrator address": "2 Low Road, London",
        "Children in household": "3",
        "Risk": "High",
        "MARAC criteria": "Visible high risk",
        "MCIC needs": "",
        "Repeat": "No",
    }
    dee = dict(zip(HEADER, body[3], strict=True))
    assert dee["MCIC needs"] == "Mental health; Alcohol misuse"
    repeat = dict(zip(HEADER, body[5], strict=True))
    # "Repeat" once: its own column, not again among the criteria.
    assert repeat["Repeat"] == "Yes" and "Repeat" not in repeat["MARAC criteria"]
    lapsed = dict(zip(HEADER, body[6], strict=True))
    assert lapsed["Victim name"] == "Lorna Lapsed"
    assert lapsed["Note"] == "Repeat window ended 2026-02-12 (last heard 2025-02-12)"
    # Nothing else about the case: no referrer, no free text.
    flat = str(rows)
    assert "PC Example" not in flat and "Free text the agencies" not in flat


def test_csv_cells_cannot_run_as_formulas(app_ctx):
    data = build()
    rows = _csv(data, _coordinator())
    names = [r[2] for r in rows if len(r) > 2]
    assert "'=HYPERLINK(1) Victim" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Ada") == "Ada" and neutralise(None) == "" and neutralise(3) == "3"


def test_print_view_content_follows_the_same_order(app_ctx):
    data = build()
    result = marac_agenda_export.print_agenda(
        data.target_id, actor=ACTOR, now=NOW, calendar=CAL, reader=_coordinator()
    )
    assert [c.reference for c in result.with_children] == [
        data.reference(data.child_1),
        data.reference(data.child_2),
    ]
    assert [c.reference for c in result.adult_only] == [
        data.reference(data.adult_1),
        data.reference(data.adult_2),
    ]
    ada = result.adult_only[0]
    assert ada.victim.name == "Ada Victim" and ada.perpetrator.name == "PerpAda Doe"
    assert ada.criteria == ["Visible high risk"] and ada.repeat is False
    assert [a.id for a in result.agenda.open_actions] == [data.open_action_id]
    assert [x.referral.id for x in result.agenda.lapsed_repeats] == [data.lapsed]


def test_each_print_and_export_is_audited_with_the_meeting_and_count_only(app_ctx):
    data = build()
    reader = _coordinator()
    marac_agenda_export.print_agenda(
        data.target_id, actor=ACTOR, now=NOW, calendar=CAL, reader=reader
    )
    _csv(data, reader)
    _csv(data, reader)
    events = {
        action: list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for action in ("marac.agenda.print", "marac.agenda.export")
    }
    assert len(events["marac.agenda.print"]) == 1 and len(events["marac.agenda.export"]) == 2
    for event in events["marac.agenda.print"] + events["marac.agenda.export"]:
        assert event.object_type == "marac_meeting"
        assert event.object_id == str(data.target_id)
        assert event.details == {"meeting_id": data.target_id, "cases": 4}
