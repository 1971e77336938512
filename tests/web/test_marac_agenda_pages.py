"""MARAC agenda for agencies through the test client: the print view and CSV (coordinator
only, marked, audited), action text only to readers who may open the case (issue 12), and
after the meeting: held, outcome, actions (no past due date), minutes sent, IDVA feedback."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from tests.marac_agenda_support import build
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import AuditEvent, DueAction, MaracAction, MaracListing


def _data(app, referrer_id=None):
    with app.app_context():
        data = build(referrer_id=referrer_id)
        listing = {
            row.referral_id: row.id
            for row in db.session.scalars(
                select(MaracListing).where(MaracListing.meeting_id == data.target_id)
            )
        }
        refs = {rid: data.reference(rid) for rid in listing}
        db.session.commit()
    return data, listing, refs


def _events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_print_view_is_marked_ordered_and_audited(app, client, login_as):
    data, _listing, refs = _data(app)
    login_as("marac_coordinator")
    agenda = client.get(f"/marac/meetings/{data.target_id}")
    assert "Print view of the agenda" in agenda.text and "Download the agenda as CSV" in agenda.text
    page = client.get(f"/marac/meetings/{data.target_id}/print")
    assert page.status_code == 200
    text = page.text
    assert text.count('class="app-print-marking') == 2
    assert text.count("OFFICIAL-SENSITIVE") >= 2
    order = [
        text.index("1. Confidentiality statement"),
        text.index("Fit a lock to the back door"),
        text.index(refs[data.child_1]),
        text.index(refs[data.child_2]),
        text.index(refs[data.adult_1]),
        text.index(refs[data.adult_2]),
        text.index("Lorna Lapsed"),
    ]
    assert order == sorted(order)
    assert "Cleo Victim" in text and "PerpCleo Doe" in text and "2 High Street, London" in text
    assert "Mental health, Alcohol misuse" in text
    assert "Free text the agencies" not in text and "PC Example" not in text
    [event] = _events(app, "marac.agenda.print")
    assert event.details == {"meeting_id": data.target_id, "cases": 4}


def test_csv_download_is_an_attachment_marked_in_the_file_and_audited(app, client, login_as):
    data, _listing, refs = _data(app)
    login_as("marac_coordinator")
    response = client.get(f"/marac/meetings/{data.target_id}/agenda.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="marac-agenda-2026-02-12.csv"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["OFFICIAL-SENSITIVE"] and rows[-1] == ["OFFICIAL-SENSITIVE"]
    assert [r[1] for r in rows[4:-1]][1:5] == [
        refs[data.child_1],
        refs[data.child_2],
        refs[data.adult_1],
        refs[data.adult_2],
    ]
    [event] = _events(app, "marac.agenda.export")
    assert event.details == {"meeting_id": data.target_id, "cases": 4}


def test_only_the_coordinator_may_print_or_export(app, client, login_as):
    data, _listing, _refs = _data(app)
    for role in ("idva", "screener", "s2s_lead", "referrer", "manager"):
        login_as(role)
        for path in ("print", "agenda.csv"):
            response = client.get(f"/marac/meetings/{data.target_id}/{path}")
            assert response.status_code == 403, (role, path)
    assert _events(app, "marac.agenda.print") == [] and _events(app, "marac.agenda.export") == []


def test_action_text_only_for_readers_who_may_open_the_case(app, client, login_as):
    idva = login_as("idva")
    data, listing, refs = _data(app, referrer_id=idva.id)
    with app.app_context():
        for referral_id, text in ((data.adult_1, "Own case action"), (data.child_1, "Hidden")):
            db.session.add(
                MaracAction(
                    listing_id=listing[referral_id],
                    agency="police",
                    description=f"{text} for the case",
                    status="open",
                )
            )
        db.session.commit()
    # The IDVA referred adult_1 only: every other case is a 404 to them.
    page = client.get(f"/marac/meetings/{data.target_id}")
    assert page.status_code == 200
    text = page.text
    assert "Own case action for the case" in text
    assert "Hidden for the case" not in text
    # The earlier meeting's open action: reference and due date, never its text or agency.
    assert refs[data.adult_1] in text and data_reference(app, data.earlier_case) in text
    assert "Fit a lock to the back door" not in text
    assert "20 February 2026" in text
    assert "Shown only to those who may open the case" in text
    assert client.get(f"/marac/listings/{listing[data.child_1]}").status_code == 404
    assert client.get(f"/marac/listings/{listing[data.adult_1]}").status_code == 200
    # The coordinator may open every listed case, so reads every action.
    login_as("marac_coordinator")
    text = client.get(f"/marac/meetings/{data.target_id}").text
    assert "Hidden for the case" in text and "Fit a lock to the back door" in text
    assert "Shown only to those who may open the case" not in text


def data_reference(app, referral_id):
    with app.app_context():
        from triage.models import Referral

        return db.session.get(Referral, referral_id).reference


def test_repeat_is_shown_once_on_the_agenda(app, client, login_as):
    data, _listing, refs = _data(app)
    login_as("marac_coordinator")
    text = client.get(f"/marac/meetings/{data.target_id}").text
    row = text[text.index(refs[data.adult_2]) :]
    row = row[: row.index("</tr>")]
    assert row.count("Repeat") == 1


def test_after_the_meeting_outcome_actions_minutes_and_feedback(app, client, login_as):
    data, listing, _refs = _data(app)
    login_as("marac_coordinator")
    agenda_path = f"/marac/meetings/{data.target_id}"
    case_path = f"/marac/listings/{listing[data.child_1]}"
    assert f'href="{case_path}"' in client.get(agenda_path).text
    held = client.post(f"{agenda_path}/held", data={"csrf_token": csrf_token(client, agenda_path)})
    assert held.status_code == 302
    with app.app_context():
        kinds = sorted(
            db.session.scalars(
                select(DueAction.kind).where(DueAction.marac_meeting_id == data.target_id)
            )
        )
    assert kinds.count("marac_feedback_escalation") == 4 and "marac_minutes_escalation" in kinds

    page = client.get(case_path)
    assert "What did the meeting decide for this case?" in page.text
    missing = client.post(
        f"{case_path}/outcome", data={"csrf_token": csrf_token(client, case_path)}
    )
    assert missing.status_code == 400 and "Select the outcome for this case" in missing.text
    saved = client.post(
        f"{case_path}/outcome",
        data={"outcome": "actions_agreed", "csrf_token": csrf_token(client, case_path)},
    )
    assert saved.status_code == 302
    assert "Heard: actions agreed" in client.get(case_path).text
    assert "Heard: actions agreed" in client.get(agenda_path).text

    add = f"{case_path}/actions/new"
    past = client.post(
        add,
        data={
            "agency": "housing",
            "description": "Fit a door alarm",
            "due_on": ["1", "1", "2026"],
            "csrf_token": csrf_token(client, add),
        },
    )
    assert past.status_code == 200
    assert "The due date must be today or in the future" in past.text
    assert "Fit a door alarm" in past.text and 'value="2026"' in past.text
    good = client.post(
        add,
        data={
            "agency": "housing",
            "description": "Fit a door alarm",
            "due_on": ["1", "1", "2099"],
            "csrf_token": csrf_token(client, add),
        },
    )
    assert good.status_code == 302 and good.headers["Location"].endswith(case_path)
    page = client.get(case_path)
    assert "Fit a door alarm" in page.text and "1 January 2099" in page.text

    sent = client.post(
        f"{agenda_path}/minutes-sent", data={"csrf_token": csrf_token(client, agenda_path)}
    )
    assert sent.status_code == 302
    assert "Minutes and actions sent to agencies" in client.get(agenda_path).text
    given = client.post(f"{case_path}/feedback", data={"csrf_token": csrf_token(client, case_path)})
    assert given.status_code == 302
    assert "Given, recorded" in client.get(case_path).text
    assert len(_events(app, "marac.minutes.sent")) == 1
    assert len(_events(app, "marac.feedback.given")) == 1
    assert len(_events(app, "marac.outcome.record")) == 1


def test_the_case_idva_records_feedback_but_not_outcomes(app, client, login_as):
    idva = login_as("idva")
    data, listing, _refs = _data(app, referrer_id=idva.id)
    login_as("marac_coordinator")
    agenda_path = f"/marac/meetings/{data.target_id}"
    client.post(f"{agenda_path}/held", data={"csrf_token": csrf_token(client, agenda_path)})
    login_as(user_id=idva.id)
    own = f"/marac/listings/{listing[data.adult_1]}"
    page = client.get(own)
    assert "Record feedback given to the victim" in page.text
    assert "What did the meeting decide" not in page.text
    token = csrf_token(client, own)
    outcome = client.post(f"{own}/outcome", data={"outcome": "withdrawn", "csrf_token": token})
    assert outcome.status_code == 403
    assert client.post(f"{own}/feedback", data={"csrf_token": token}).status_code == 302
    other = f"/marac/listings/{listing[data.child_1]}/feedback"
    assert client.post(other, data={"csrf_token": token}).status_code == 404
    with app.app_context():
        rows = db.session.scalars(
            select(DueAction).where(
                DueAction.referral_id == data.adult_1, DueAction.kind.like("marac_feedback%")
            )
        ).all()
        assert {r.status for r in rows} == {"done"}
