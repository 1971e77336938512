"""Case search (issue 9 item 6): each kind, exact and near, only cases the searcher may see,
audited with the kind and counts, never the text."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.cases_support import NOW, case
from tests.factories import make_details, make_user
from triage.extensions import db
from triage.models import AuditEvent
from triage.services import case_search
from triage.services.actor import Actor

pytestmark = pytest.mark.usefixtures("app_ctx")


def _case(first="Alex", last="Example", dob=date(1990, 1, 31), postcode="E15 4QQ", **fields):
    referral = case(NOW, **fields)
    details = referral.victim_details
    details.first_name, details.last_name = first, last
    details.date_of_birth, details.postcode = dob, postcode
    db.session.flush()
    return referral


def _search(kind, text, user=None):
    user = user or make_user(roles=["screener"])
    return case_search.search(kind, text, user=user, actor=Actor.for_user(user), now=NOW)


def _ids(hits) -> set[int]:
    return {h.referral.id for h in hits}


def test_by_reference_exact_and_one_digit_off():
    wanted = _case()
    result = _search("reference", wanted.reference)
    assert _ids(result.exact) == {wanted.id}
    # Typed without the R and zeros: the same case.
    assert _ids(_search("reference", str(wanted.id)).exact) == {wanted.id}
    neighbour = _case(first="Sam")
    typo = f"R{neighbour.id + 10:06d}" if neighbour.id % 100 < 90 else f"R{neighbour.id - 10:06d}"
    near = _search("reference", typo)
    assert neighbour.id in _ids(near.near) and not near.exact
    # Found as typed: only that case, not its neighbours.
    assert _ids(_search("reference", neighbour.reference).hits) == {neighbour.id}


def test_by_police_reference_exact_ignoring_case_and_punctuation_and_near():
    wanted = _case(police_reference="CAD-4821/05MAY")
    other = _case(police_reference="CAD-4812/05MAY")
    result = _search("police_reference", "cad 4821 05may")
    assert _ids(result.exact) == {wanted.id}
    assert other.id in _ids(result.near)


def test_by_name_exact_swapped_and_near():
    wanted = _case(first="Siân", last="O'Brien")
    typo = _case(first="Sian", last="OBrain")
    stranger = _case(first="Robin", last="Hood")
    result = _search("name", "sian obrien")
    assert _ids(result.exact) == {wanted.id}
    assert _ids(result.near) == {typo.id}
    assert stranger.id not in _ids(result.hits)
    assert _ids(_search("name", "OBrien Sian").exact) == {wanted.id}


def test_the_name_search_finds_the_perpetrator_too():
    referral = _case()
    make_details(referral, "perpetrator", first_name="Pat", last_name="Perpetrator")
    (hit,) = _search("name", "Pat Perpetrator").exact
    assert hit.referral.id == referral.id and hit.roles == ("perpetrator",)


def test_by_date_of_birth_exact_and_day_month_swapped():
    wanted = _case(dob=date(1990, 3, 4))
    swapped = _case(dob=date(1990, 4, 3))
    year_out = _case(dob=date(1991, 3, 4))
    unrelated = _case(dob=date(1975, 8, 9))
    result = _search("dob", "04/03/1990")
    assert _ids(result.exact) == {wanted.id}
    assert _ids(result.near) == {swapped.id, year_out.id}
    assert unrelated.id not in _ids(result.hits)


def test_by_postcode_exact_ignoring_spaces_and_near():
    wanted = _case(postcode="E15 4QQ")
    near = _case(postcode="E15 4QG")
    elsewhere = _case(postcode="N1 9GU")
    result = _search("postcode", "e154qq")
    assert _ids(result.exact) == {wanted.id}
    assert _ids(result.near) == {near.id}
    assert elsewhere.id not in _ids(result.hits)


def test_never_returns_a_case_the_searcher_may_not_see():
    first, second = make_user(roles=["referrer"]), make_user(roles=["referrer"])
    theirs = _case(referrer_id=first.id, police_reference="MPS-SHARED-1")
    _case(referrer_id=second.id, police_reference="MPS-SHARED-2")
    for kind, text in (
        ("name", "Alex Example"),
        ("dob", "31/01/1990"),
        ("postcode", "E15 4QQ"),
        ("police_reference", "MPS-SHARED-2"),
    ):
        result = _search(kind, text, user=first)
        assert _ids(result.hits) <= {theirs.id}, kind
    assert _ids(_search("name", "Alex Example", user=first).hits) == {theirs.id}


def test_each_search_is_audited_with_its_kind_and_counts_never_its_text():
    _case(first="Morwenna", last="Tregarthen")
    _search("name", "Morwenna Tregarthen")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.search")
    ).one()
    assert event.details == {"kind": "name", "results": 1, "exact": 1}
    assert "morwenna" not in str(event.details).lower() and event.reason is None
    assert "Tregarthen" not in str(event.object_id)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("name", "Alex", "Name: enter a first name and a last name"),
        ("dob", "yesterday", "Date of birth: enter a date like 31/01/1990"),
        ("postcode", "E15", "Postcode: enter a full postcode"),
        ("reference", "X12", "Referral reference: enter it like R000123"),
        ("colour", "blue", "Search by: select"),
        ("name", " ", "Name: enter what to search for"),
    ],
)
def test_a_search_that_does_not_fit_its_kind_names_the_field(kind, text, message):
    with pytest.raises(case_search.SearchInvalid, match=message):
        _search(kind, text)
