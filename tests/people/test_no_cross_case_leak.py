"""Property: for random users (roles) and cases, no API or page response to a user holds an
identifying value (address, postcode, names) from a case that user may not see.

Who may see a case is worked out here from the roles' rules (docs/security.md), not by
asking `triage.permissions`, so the property checks the code rather than restating it.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import referral_payload
from tests.factories import make_user
from tests.settings_support import app_settings, marac_args
from triage.extensions import db
from triage.models import MaracListing, PossibleMatch
from triage.services import marac_listing, marac_meetings
from triage.services import possible_matches as match_tasks
from triage.services.actor import Actor
from triage.services.referral_creation import create_referral
from triage.services.tokens import create_token
from triage.timeutil import utcnow

ROLE_SETS = [
    ("referrer",),
    ("idva",),
    ("screener",),
    ("marac_coordinator",),
    ("manager",),
    ("idva", "marac_coordinator"),
]
_serial = itertools.count(1)


def _letters(n: int) -> str:
    """A number as letters only (names are matched on their letters)."""
    return "".join("abcdefghij"[int(d)] for d in str(n))


def _postcode(n: int) -> str:
    letter = "ABDEFGHJLNPQRSTUWXYZ"
    return f"E1 {n % 10}{letter[(n // 10) % 20]}{letter[(n // 200) % 20]}"


@dataclass
class Case:
    id: int
    by: int
    person: int
    assigned: int | None
    listed: bool
    secrets: set[str] = field(default_factory=set)  # unique to this case
    names: set[str] = field(default_factory=set)  # shared by every case about the same people


@dataclass
class User:
    id: int
    roles: tuple[str, ...]
    headers: dict[str, str]


def _may_see(user: User, case: Case) -> bool:
    roles = set(user.roles)
    if "screener" in roles or "s2s_lead" in roles:
        return True
    if roles & {"referrer", "idva"} and case.by == user.id:
        return True
    if "idva" in roles and case.assigned == user.id:
        return True
    return "marac_coordinator" in roles and case.listed


cases_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "by": st.integers(0, 5),
            "person": st.integers(0, 1),
            "assign": st.booleans(),
            "listed": st.booleans(),
            # The screening team links this case to the earlier person it may match.
            "link": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)


def _make_users(app, role_sets) -> list[User]:
    users = []
    with app.app_context():
        for roles in [("referrer",), *role_sets]:  # always someone who can refer
            user = make_user(roles=list(roles))
            token = create_token(user, "property")
            users.append(User(user.id, roles, {"Authorization": f"Bearer {token}"}))
        db.session.commit()
    return users


def _make_cases(app, users: list[User], specs: list[dict]) -> list[Case]:
    tag = _letters(next(_serial))
    creators = [u for u in users if {"referrer", "idva"} & set(u.roles)]
    idvas = [u for u in users if "idva" in u.roles]
    now = utcnow()
    cases = []
    with app.app_context():
        marac_meetings.ensure_meetings(now=now, weeks=4, actor=Actor.system("test"), **marac_args())
        for spec in specs:
            n = next(_serial)
            by = creators[spec["by"] % len(creators)]
            victim_last = f"Zq{tag}v{_letters(spec['person'])}"
            perp_last = f"Zq{tag}p{_letters(spec['person'])}"
            payload = referral_payload(
                victim={
                    "first_name": "Vic",
                    "last_name": victim_last,
                    "date_of_birth": "1990-01-01",
                    "postcode": _postcode(n),
                    "address": f"{n} Secret{_letters(n)} Road",
                },
                perpetrator={"first_name": "Per", "last_name": perp_last},
                dash={str(q): "yes" if spec["listed"] and q <= 15 else "no" for q in range(1, 25)},
                detail=None,
            )
            referral = create_referral(
                payload, actor=Actor.for_user(_row(by)), now=now, settings=app_settings()
            ).referral
            assigned = idvas[0].id if spec["assign"] and idvas else None
            referral.assigned_idva_id = assigned
            if spec["listed"]:
                marac_listing.list_referral(
                    referral.id, now=now, actor=Actor.system("test"), **marac_args()
                )
            cases.append(
                Case(
                    referral.id,
                    by.id,
                    spec["person"],
                    assigned,
                    spec["listed"],
                    secrets={_postcode(n), f"Secret{_letters(n)}"},
                    names={victim_last, perp_last},
                )
            )
            if spec.get("link"):
                _link_all(referral.id, now)
        db.session.commit()
    return cases


def _link_all(referral_id: int, now) -> None:
    """What a screener does on finding the same people: link (shares person records)."""
    for task in match_tasks.open_tasks(referral_id):
        # Refused when e.g. the victim's earlier record is this case's perpetrator.
        with contextlib.suppress(match_tasks.MatchTaskError):
            if task.status == "open":  # a sibling settled by an earlier link is not
                match_tasks.resolve(
                    task.id, "linked", actor=Actor.system("test"), now=now, settings=app_settings()
                )


def _row(user: User):
    from triage.models import User as UserRow

    return db.session.get(UserRow, user.id)


def _responses(app, client, login_as, user: User, cases: list[Case]) -> list[str]:
    """Every response this user gets from the doors that show a case's people."""
    login_as(user_id=user.id)
    texts = []
    for case in cases:
        texts.append(client.get(f"/api/v1/referrals/{case.id}", headers=user.headers).text)
        texts.append(client.get(f"/referrals/{case.id}").text)
    for path in ("/", "/screening/", "/people/possible-earlier-referrals", "/marac/"):
        texts.append(client.get(path).text)
    with app.app_context():
        task_ids = db.session.scalars(
            db.select(PossibleMatch.id).where(PossibleMatch.referral_id.in_([c.id for c in cases]))
        ).all()
        meeting_ids = set(
            db.session.scalars(
                db.select(MaracListing.meeting_id).where(
                    MaracListing.referral_id.in_([c.id for c in cases])
                )
            )
        )
    texts += [client.get(f"/people/possible-earlier-referrals/{t}").text for t in task_ids]
    texts += [client.get(f"/marac/meetings/{m}").text for m in meeting_ids]
    return texts


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role_sets=st.lists(st.sampled_from(ROLE_SETS), min_size=1, max_size=3), specs=cases_strategy)
def test_no_response_shows_a_case_the_user_may_not_see(app, client, login_as, role_sets, specs):
    users = _make_users(app, role_sets)
    cases = _make_cases(app, users, specs)
    for user in users:
        visible = [c for c in cases if _may_see(user, c)]
        seen_names = set().union(*(c.names for c in visible)) if visible else set()
        forbidden = set()
        for case in cases:
            if case not in visible:
                forbidden |= case.secrets | (case.names - seen_names)
        body = "\n".join(_responses(app, client, login_as, user, cases))
        leaked = sorted(value for value in forbidden if value in body)
        assert not leaked, (user.roles, leaked)


def test_the_property_sees_what_it_should(app, client, login_as):
    """The check above is not vacuous: a case's own people do appear to its referrer."""
    users = _make_users(app, [])
    spec = {"by": 0, "person": 0, "assign": False, "listed": False, "link": False}
    (case,) = _make_cases(app, users, [spec])
    body = "\n".join(_responses(app, client, login_as, users[0], [case]))
    assert all(value in body for value in case.secrets | case.names)
