"""Demo data for `make run`: one account per role and realistic referrals. Never in production."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
from sqlalchemy import select

from triage.extensions import db
from triage.models import Referral, User
from triage.services import accounts, mfa
from triage.services.actor import Actor
from triage.settings import Settings
from triage.totp_keys import TotpKeyring

DEMO_DOMAIN = "demo.triage.test"
_LONDON = ZoneInfo("Europe/London")

# (local part, display name, agency, roles). The passwords are public by design: demo only.
DEMO_USERS = [
    ("idva", "Isla Idva (demo)", "IDVA service", ["idva"]),
    ("referrer", "Rob Referrer (demo)", "Police", ["referrer"]),
    ("screener", "Sam Screener (demo)", "S2S", ["screener"]),
    ("lead", "Lee Lead (demo)", "S2S", ["screener", "s2s_lead"]),
    ("coordinator", "Cora Coordinator (demo)", "MARAC", ["marac_coordinator"]),
    ("manager", "Mo Manager (demo)", "Community Safety", ["manager"]),
    ("admin", "Ada Admin (demo)", "Council IT", ["admin"]),
]


class DemoRefused(RuntimeError):
    pass


def demo_password(local_part: str) -> str:
    return f"demo-{local_part}-triage"


def demo_totp_secret(local_part: str) -> str:
    """The published TOTP secret of a demo account: anyone may compute it. Demo only."""
    digest = hashlib.sha256(f"triage demo account {local_part}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def demo_code(user: User, now: datetime, *, keys: TotpKeyring) -> str:
    """The code a demo user can sign in with now (the first one not yet used), so that a
    person trying the demo needs no authenticator app. Demo accounts only."""
    local, _, domain = user.email.partition("@")
    secret = mfa.stored_secret(user, keys)
    if domain != DEMO_DOMAIN or secret != demo_totp_secret(local):
        raise DemoRefused("Codes are printed only for demo accounts")
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    last = user.totp_last_counter if user.totp_last_counter is not None else -1
    counter = max(current, last + 1)
    if counter > current + 1:
        raise DemoRefused("This account's codes for now are used up: try again in 30 seconds")
    return totp.generate_otp(counter)


def seed(days: int = 60, *, now: datetime, settings: Settings) -> list[tuple[str, str, list[str]]]:
    """Create the demo accounts and about 60 demo referrals over the last `days` days."""
    actor = Actor.system("seed-demo")
    logins = []
    users: dict[str, User] = {}
    for local, name, agency, roles in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        password = demo_password(local)
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(
                email=email,
                name=name,
                agency=agency,
                roles=roles,
                password=password,
                actor=actor,
                now=now,
                check_context=False,  # the published demo passwords name the service
            )
        if user.totp_secret is None:  # pre-enrolled (encrypted like any other): see demo_code()
            sealed = settings.totp_keys.seal(demo_totp_secret(local), owner=user.id)
            user.totp_secret, user.totp_key_id = sealed
        users[local] = user
        logins.append((email, password, roles))
    db.session.flush()
    seed_referrals(users, days=days, now=now, settings=settings)
    return logins


# --------------------------------------------------------------------------- demo referrals
# Fictional people only. Every referral goes through the intake service, as a real one would.

DEMO_REFERENCE_PREFIX = "DEMO-"
_FIRST = (
    "Amira",
    "Aisha",
    "Bethany",
    "Chloe",
    "Danielle",
    "Ewa",
    "Fatima",
    "Grace",
    "Hannah",
    "Imani",
    "Jade",
    "Kerry",
    "Leanne",
    "Maria",
    "Nadia",
    "Olivia",
    "Priya",
    "Rachel",
    "Sadia",
    "Tanya",
    "Una",
    "Vanessa",
    "Wendy",
    "Yasmin",
    "Zainab",
    "Joanne",
    "Precious",
    "Samira",
    "Teresa",
    "Agnieszka",
    "Lucy",
    "Mark",
    "Tom",
)
_LAST = (
    "Ahmed",
    "Begum",
    "Campbell",
    "Da Silva",
    "Edwards",
    "Fernandes",
    "Gordon",
    "Hussain",
    "Ibrahim",
    "Johnson",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Connor",
    "Patel",
    "Quinn",
    "Robinson",
    "Sharma",
    "Taylor",
    "Uddin",
    "Walker",
    "Williams",
    "Okafor",
    "Rahman",
    "Murphy",
    "Clarke",
)
_PERP_FIRST = (
    "Aaron",
    "Ben",
    "Carl",
    "Darren",
    "Errol",
    "Faisal",
    "Gary",
    "Harry",
    "Imran",
    "Jason",
    "Kyle",
    "Liam",
    "Marek",
    "Nathan",
    "Oliver",
    "Paul",
    "Ricky",
    "Sean",
    "Tony",
    "Wayne",
    "Jamal",
    "Kevin",
    "Dean",
    "Lisa",
)
_OTHER_AGENCIES = (
    "health",
    "housing",
    "childrens_social_care",
    "adult_social_care",
    "voluntary_sector",
    "idva",
    "probation",
    "marac",
)
_DETAILS = (
    "Police called by a neighbour after screaming was heard. Victim had visible bruising.",
    "Victim disclosed to her GP that her partner checks her phone and controls the money.",
    "Incident at the victim's workplace: the ex-partner turned up and threatened her.",
    "Children present during the incident; the victim says this has happened before.",
    "Victim called 999 after the perpetrator broke in through a back window.",
    "Housing officer noticed damage to the door and the victim asked for a transfer.",
)
_JUDGEMENTS = (
    "Victim is isolated and the perpetrator has recently been released from custody.",
    "Escalating stalking since separation, and the victim is too frightened to answer questions.",
)


def _demo_victim(rng, n: int) -> dict:
    first = _FIRST[n % len(_FIRST)]
    last = _LAST[(n * 7) % len(_LAST)]
    return {
        "first_name": first,
        "last_name": last,
        "date_of_birth": date(rng.randint(1958, 2006), rng.randint(1, 12), rng.randint(1, 28)),
        "postcode": f"E{rng.randint(6, 17)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        "gender": "male" if first in ("Mark", "Tom") else "female",
        "racially_minoritised": rng.random() < 0.45,
        "lgbt": rng.choice([None, False, False, True]),
        "disabled": rng.random() < 0.15,
    }


def _demo_perpetrator(rng, n: int) -> dict:
    first = _PERP_FIRST[n % len(_PERP_FIRST)]
    return {
        "first_name": first,
        "last_name": _LAST[(n * 11 + 3) % len(_LAST)],
        "date_of_birth": date(rng.randint(1955, 2007), rng.randint(1, 12), rng.randint(1, 28)),
        "gender": "female" if first == "Lisa" else "male",
    }


def _demo_case(rng, number: int, received_at: datetime, victim: dict, perp: dict) -> dict:
    """One referral's answers: a spread of scores, call-outs, judgement and needs."""
    band = rng.random()
    yes = (
        rng.randint(14, 20)
        if band < 0.25
        else rng.randint(10, 13)
        if band < 0.5
        else rng.randint(1, 9)
    )
    questions = list(range(1, 25))
    rng.shuffle(questions)
    dash = {q: "no" for q in range(1, 25)}
    for q in questions[:yes]:
        dash[q] = "yes"
    if rng.random() < 0.15:  # the victim could not be asked everything
        for q in questions[yes : yes + rng.randint(3, 8)]:
            dash[q] = rng.choice(["not_asked", "dont_know"])
    needs_pool = ["alcohol", "drugs", "mental_health", "learning_disability", "housing"]
    needs = rng.sample(needs_pool, k=rng.choice([0, 0, 0, 1, 1, 2, 3]))
    judged = rng.random() < 0.06
    management = rng.choice([[]] * 8 + [["iom"], ["mappa"], ["probation"]])
    referrer = "PC " + rng.choice(["Jo Bloggs", "Sam Patel", "Alex Kerr", "Chris Obi"])
    return {
        "source_agency": "police" if rng.random() < 0.75 else rng.choice(_OTHER_AGENCIES),
        "referrer_name": referrer,
        "police_reference": f"{DEMO_REFERENCE_PREFIX}{number:04d}",
        "received_at": received_at,
        "victim": victim,
        "perpetrator": perp,
        "children_in_household": rng.choice([0, 0, 0, 1, 1, 2, 3]),
        "dash": dash,
        "dash_details": {questions[0]: "Victim's own words recorded by the officer."},
        "police_callouts_12m": rng.choice([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4]),
        "professional_judgement": judged,
        "professional_judgement_reason": rng.choice(_JUDGEMENTS) if judged else "",
        "victim_needs": needs,
        "perpetrator_management": management,
        "detail": rng.choice(_DETAILS),
        "dash_completed_by": referrer,
        "dash_completed_on": received_at.astimezone(_LONDON).date(),
        "consent_basis": rng.choice(["consent"] * 6 + ["without_consent_risk", "vital_interests"]),
    }


def seed_referrals(
    users: dict[str, User], *, days: int, now: datetime, settings: Settings, count: int = 60
) -> int:
    """About `count` referrals over the last `days` days, through `create_referral`."""
    from triage.services import offers
    from triage.services.calendar import current_calendar
    from triage.services.referral_creation import create_referral

    if days <= 0 or db.session.scalar(
        select(Referral.id).where(Referral.police_reference.like(f"{DEMO_REFERENCE_PREFIX}%"))
    ):
        return 0  # already seeded
    calendar = current_calendar(settings.calendar)
    # Seeded, so every demo database is the same; not used for anything secret.
    rng = random.Random(20260505)  # nosec B311
    span = timedelta(days=days)
    times = sorted(
        now - span + timedelta(seconds=rng.randint(0, int(span.total_seconds()) - 3600))
        for _ in range(count)
    )
    # MARAC cases that will be referred again, by whoever referred them first: matching only
    # joins a referral to people from cases its referrer may see.
    pairs: list[tuple[dict, dict, str]] = []
    created = 0
    for number, received_at in enumerate(times, start=1):
        referrer = None
        if pairs and number % 17 == 0:
            victim, perp, referrer = pairs[rng.randrange(min(len(pairs), 6))]  # the same pair
        else:
            victim, perp = _demo_victim(rng, number), _demo_perpetrator(rng, number)
        data = _demo_case(rng, number, received_at, victim, perp)
        if referrer is None:
            referrer = "idva" if data["source_agency"] in ("idva", "marac") else "referrer"
        if number <= 6 and number % 2 == 1:
            data["dash"] = {q: ("yes" if q <= 15 else "no") for q in range(1, 25)}
            pairs.append((victim, perp, referrer))
        actor = Actor.for_user(users[referrer])
        referral = create_referral(
            data, actor=actor, now=received_at + timedelta(minutes=5), settings=settings
        ).referral
        if referral.marac:
            _list_as_it_happened(
                referral.id, at=received_at + timedelta(minutes=10), settings=settings
            )
        if referral.risk_level == "high" or rng.random() < 0.2:
            referral.assigned_idva_id = users["idva"].id
        created += 1
        offer_at = received_at + timedelta(hours=rng.randint(2, 30))
        if offer_at < now - timedelta(hours=1) and rng.random() < 0.85:
            late = referral.offer_due_at is not None and offer_at > referral.offer_due_at
            offers.record_contact(
                referral.id,
                made_at=offer_at,
                method=rng.choice(["phone", "phone", "in_person", "via_professional"]),
                outcome=rng.choice(["accepted", "accepted", "declined", "no_contact"]),
                notes=None,
                late_reason="not_contactable" if late else None,
                actor=Actor.for_user(users["screener"]),
                now=offer_at,
                calendar=calendar,
            )
    _hold_past_meetings(now, settings)
    db.session.flush()
    return created


def _list_as_it_happened(referral_id: int, *, at: datetime, settings: Settings) -> None:
    """Run the MARAC listing job at the time it would have run, so an old demo case sits on
    the meeting of its day (heard since) rather than crowding the next one."""
    from triage.models import DueAction
    from triage.services.due_action_run import run_due_action

    action_ids = db.session.scalars(
        select(DueAction.id).where(
            DueAction.referral_id == referral_id, DueAction.kind == "marac_listing"
        )
    ).all()
    for action_id in action_ids:
        run_due_action(action_id, now=at, actor=Actor.job("seed-demo"), settings=settings)


def _hold_past_meetings(now: datetime, settings: Settings) -> None:
    from triage.models import MaracMeeting
    from triage.services import marac_actions, marac_follow_up

    past = db.session.scalars(
        select(MaracMeeting).where(
            MaracMeeting.status == "scheduled", MaracMeeting.starts_at < now - timedelta(hours=2)
        )
    ).all()
    actor = Actor.system("seed-demo")
    for meeting in past:
        held_at = meeting.starts_at + timedelta(hours=2)
        held = marac_actions.mark_held(meeting.id, actor=actor, now=held_at, settings=settings)
        # Demo history: the follow-up was done on the day, so no old deadline escalates now.
        marac_follow_up.record_minutes_sent(meeting.id, actor=actor, now=held_at)
        for listing in held.meeting.listings:
            if listing.status == "heard":
                marac_follow_up.record_feedback_given(listing.id, actor=actor, now=held_at)
