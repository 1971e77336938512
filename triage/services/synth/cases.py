"""One synthetic referral and everything that followed it, as rows and audit events.

People: most victims are new; about a quarter are repeat victims (a person row shared with
their earlier referral, usually with the same perpetrator), and each referral keeps its own
`person_details` rows (docs/people.md). Follow-ups happen as the services would do them:
due actions planned with the referral and run when due (a little late, with a tail), an S2S
offer on time or late (with its lateness reason, sometimes after no-contact attempts), a
MARAC listing at the next meeting with room, actions for heard cases, and closure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from triage.services.due_action_plan import due_action_key
from triage.services.offers import REACHED_OUTCOMES
from triage.services.people import match_key
from triage.services.synth import profiles as p
from triage.services.synth.actions import add_actions
from triage.services.synth.chain import Chain
from triage.services.synth.closing import close_case
from triage.services.synth.contacts import summarise
from triage.services.synth.meetings import Meetings

METHODS = ("phone",) * 4 + ("in_person", "letter")


def _recent_index(rng, count: int) -> int:
    """Most often one seen lately (mean 10,000 referrals back); uniformly any of them when
    the draw reaches past the first (clamping it to 0 piled thousands on the first victim)."""
    back = int(rng.expovariate(1e-4))
    return count - 1 - back if back < count else rng.randrange(count)


def _attempt(rng) -> str:
    return rng.choices(("no_contact", "unsafe_to_contact"), (85, 15))[0]


@dataclass
class Rows:
    """Rows of one chunk, by table name, plus counters for the report."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


@dataclass
class Ids:
    """The next id of each table (the generator numbers its rows)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Known:
    """Earlier victims, for repeats: (victim id, perpetrator id, victim's details)."""

    victims: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    last_marac: dict[tuple[int, int], datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Staff:
    referrers: list[int]
    screeners: list[int]
    idvas: list[int]
    coordinator: int


class CaseMaker:
    def __init__(self, rng, ruleset, pool, calendar, settings, now, staff, meetings: Meetings):
        self.rng, self.ruleset, self.pool = rng, ruleset, pool
        self.calendar, self.settings, self.now, self.staff = calendar, settings, now, staff
        self.meetings = meetings
        self.known = Known()
        self.screening: Any = None  # synth.screening.Screening: decisions and outcomes

    def make(self, received_at: datetime, rows: Rows, ids: Ids, chain: Chain) -> None:
        rng = self.rng
        victim_id, perp_id, victim, perp, repeat = self._people(rows, ids, received_at)
        profile = self.pool[rng.randrange(len(self.pool))]
        assessment = profile.assessment
        last = self.known.last_marac.get((victim_id, perp_id)) if repeat else None
        if last is not None and received_at - last <= timedelta(days=365):
            assessment = p.repeat_assessment(profile, received_at, last, self.ruleset)
        referral_id = ids.take("referrals")
        referrer = rng.choice(self.staff.referrers)
        due = self.calendar.offer_due(received_at)
        referral = self._referral(referral_id, referrer, received_at, due, profile, assessment)
        referral.update(victim_id=victim_id, perpetrator_id=perp_id)
        rows.add("referrals", referral)
        for role, details in (("victim", victim), ("perpetrator", perp)):
            rows.add(
                "person_details",
                {"id": ids.take("person_details"), "referral_id": referral_id, "role": role,
                 "recorded_at": received_at, "recorded_by_id": referrer, "erased_at": None,
                 **details},
            )  # fmt: skip
        chain.add(
            "referral.create", received_at, user_id=referrer, object_type="referral",
            object_id=referral_id,
            details={
                "reference": f"R{referral_id:06d}", "source_agency": referral["source_agency"],
                "ruleset_version": assessment["ruleset_version"], "score": assessment["score"],
                "risk_level": assessment["risk_level"],
                "marac_criteria": assessment["marac_criteria"], "mcic": assessment["mcic"],
                "victim_match": "exact" if repeat else "new", "perpetrator_match": "new",
                "possible_earlier_referrals": 0,
            },
        )  # fmt: skip
        if assessment["marac"]:
            self.known.last_marac[(victim_id, perp_id)] = received_at
        offer_at = self._offer(referral, rows, ids, chain)
        self.screening.decide(referral, offer_at, rows, ids, chain)
        listing = self._listing(referral, rows, ids, chain, repeat) if referral["marac"] else None
        self._due_actions(referral, rows, ids, chain, offer_at, listing)
        close_case(referral, chain, offer_at, self.rng, self.settings, self.now)
        self.known.victims.append((victim_id, perp_id, victim))

    # ------------------------------------------------------------------ people

    def _people(self, rows: Rows, ids: Ids, at: datetime):
        rng, known = self.rng, self.known.victims
        if known and rng.random() < 0.25:  # a repeat victim, most often recently seen
            victim_id, perp_id, victim = known[_recent_index(rng, len(known))]
            if rng.random() < 0.8:
                return victim_id, perp_id, dict(victim), self._perp_details(), True
            return (
                victim_id,
                self._new_person(rows, ids, at, self._perp_details()),
                dict(victim),
                self._perp_details(),
                True,
            )
        victim = self._victim_details()
        victim_id = self._new_person(rows, ids, at, victim)
        perp = self._perp_details()
        return victim_id, self._new_person(rows, ids, at, perp), victim, perp, False

    def _new_person(self, rows: Rows, ids: Ids, at: datetime, details: dict) -> int:
        person_id = ids.take("persons")
        rows.add(
            "persons",
            {"id": person_id, "match_name": match_key(details["first_name"], details["last_name"]),
             "date_of_birth": details["date_of_birth"], "created_at": at, "anonymised_at": None},
        )  # fmt: skip
        return person_id

    def _victim_details(self) -> dict[str, Any]:
        rng = self.rng
        born = self.now.date() - timedelta(days=rng.randrange(16 * 365 + 5, 80 * 365))
        return {
            "first_name": rng.choice(p.FIRST), "last_name": p.surname(rng),
            "date_of_birth": born, "postcode": rng.choice(p.POSTCODES), "address": None,
            "gender": "female" if rng.random() < 0.88 else "male",
            "racially_minoritised": rng.random() < 0.4, "lgbt": rng.random() < 0.05,
            "disabled": rng.random() < 0.12,
        }  # fmt: skip

    def _perp_details(self) -> dict[str, Any]:
        rng = self.rng
        born = None
        if rng.random() < 0.9:
            born = self.now.date() - timedelta(days=rng.randrange(17 * 365, 75 * 365))
        return {
            "first_name": rng.choice(p.PERP_FIRST), "last_name": p.surname(rng),
            "date_of_birth": born, "postcode": None, "address": None,
            "gender": "male" if rng.random() < 0.9 else "female",
            "racially_minoritised": None, "lgbt": None, "disabled": None,
        }  # fmt: skip

    # ---------------------------------------------------------------- referral

    def _referral(self, referral_id, referrer, received_at, due, profile, assessment) -> dict:
        rng = self.rng
        facts = {**profile.facts, "received_at": received_at.isoformat()}
        dash = {str(q.number): "not_asked" for q in self.ruleset.dash_questions}
        dash.update(profile.facts["dash"])
        answers = {**facts, "dash": dash}
        if answers.get("last_marac_referral_at") is not None:
            answers["last_marac_referral_at"] = answers["last_marac_referral_at"].isoformat()
        police = rng.random() < 0.9
        high = assessment["risk_level"] == "high"
        return {
            "id": referral_id, "source_agency": "police" if police else p.other_source(rng),
            "referrer_id": referrer, "referrer_name": "PC Synthetic",
            "referrer_contact": None,
            "police_reference": f"SYN-{referral_id:08d}" if police else None,
            "children_in_household": rng.choice((0, 0, 0, 1, 1, 2, 3)),
            "received_at": received_at, "answers": answers, "answer_details": {},
            "detail": None, "dash_completed_by": "PC Synthetic",
            "dash_completed_on": received_at.date(), "consent_basis": "consent",
            "assessment": assessment, "ruleset_version": assessment["ruleset_version"],
            "score": assessment["score"], "risk_level": assessment["risk_level"],
            "marac": assessment["marac"], "mcic": assessment["mcic"], "status": "received",
            "offer_due_at": due, "late_reason": None,
            # The contact summary (services.offers.record_contact keeps it): _offer_row.
            "first_contact_at": None, "first_offer_at": None, "first_offer_hours": None,
            "first_offer_late_reason": None,
            "assigned_idva_id": rng.choice(self.staff.idvas) if high else None,
            "assigned_screener_id": (
                rng.choice(self.staff.screeners) if rng.random() < 0.5 else None
            ),
            "closed_at": None, "retention_until": None, "closure_reason": None,
            "created_at": received_at, "updated_at": received_at,
        }  # fmt: skip

    # ------------------------------------------------------------------ offers

    def _offer(self, referral: dict, rows: Rows, ids: Ids, chain: Chain) -> datetime | None:
        """Contacts until an offer reaches the victim (its time), or None. Attempts (no
        contact made, unsafe to contact) come first and leave the case waiting, as
        `offers.record_contact` does; most cases are reached on time, some late, a few never
        (those are closed as "no contact possible" a week or two later, in `_close`)."""
        rng, due = self.rng, referral["offer_due_at"]
        received = referral["received_at"]
        screener = referral["assigned_screener_id"] or rng.choice(self.staff.screeners)
        roll = rng.random()
        if roll < 0.78:  # on time: within the working day allowed
            made = received + (due - received) * rng.uniform(0.05, 0.98)
        elif roll < 0.95:  # late, with a tail
            made = due + timedelta(hours=rng.expovariate(1 / 20))
        else:  # never reached: one to three attempts over the next days
            for n in range(rng.randint(1, 3)):
                at = received + (due - received) * rng.uniform(0.2, 0.9) + timedelta(days=n)
                if at <= self.now:
                    self._offer_row(referral, rows, ids, chain, at, screener, _attempt(rng), None)
            return None
        late = made > due
        late_reason = (
            rng.choice(("not_contactable",) * 3 + ("unsafe_to_contact", "referral_incomplete"))
            if late
            else None
        )
        if late_reason == "not_contactable" or rng.random() < 0.08:  # attempts first
            attempt = received + (min(made, self.now) - received) * rng.uniform(0.1, 0.9)
            self._offer_row(referral, rows, ids, chain, attempt, screener, _attempt(rng), None)
        if made > self.now:
            return None
        outcome = rng.choices(("accepted", "declined"), (75, 25))[0]
        self._offer_row(referral, rows, ids, chain, made, screener, outcome, late_reason)
        return made

    def _offer_row(self, referral, rows, ids, chain, made, screener, outcome, late_reason):
        offer_id = ids.take("offers")
        reached = outcome in REACHED_OUTCOMES
        # Only a late offer carries a lateness reason; an attempt is never "late" (as
        # offers.check_contact), though it is recorded with its time.
        late = reached and made > referral["offer_due_at"]
        reason = (late_reason or "not_contactable") if late else None
        first = reached and referral["status"] == "received"
        if first:  # an attempt leaves the case on the morning list
            referral["status"] = "offer_made"
            if late:
                referral["late_reason"] = reason
        referral["updated_at"] = made
        hours = self.calendar.working_hours_between(referral["received_at"], made)
        summarise(referral, made, outcome, hours, reason)
        rows.add(
            "offers",
            {"id": offer_id, "referral_id": referral["id"], "made_at": made,
             "made_by_id": screener, "method": self.rng.choice(METHODS),
             "outcome": outcome, "notes": None, "late_reason": reason,
             "late_reason_detail": None, "created_at": made, "working_hours": hours},
        )  # fmt: skip
        chain.add(
            "offer.record" if reached else "contact.attempt", made, user_id=screener,
            object_type="referral", object_id=referral["id"],
            details={"offer_id": offer_id, "made_at": made.isoformat(),
                     "due_at": referral["offer_due_at"].isoformat(),
                     "on_time": made <= referral["offer_due_at"],
                     "method": rows.tables["offers"][-1]["method"], "outcome": outcome,
                     "late_reason": reason, "first_offer": first, "reason_given": False},
            reason=reason,
        )  # fmt: skip

    # ------------------------------------------------------------------- MARAC

    def _listing(self, referral, rows, ids, chain, repeat) -> dict | None:
        at = referral["received_at"] + timedelta(minutes=self.rng.randrange(1, 30))
        if at > self.now:
            return None
        meeting, pushed_from = self.meetings.allocate(at)
        if meeting is None:
            return None
        heard = meeting["starts_at"] <= self.now
        listing = {
            "id": ids.take("marac_listings"), "meeting_id": meeting["id"],
            "referral_id": referral["id"], "status": "heard" if heard else "listed",
            "criteria": referral["assessment"]["marac_criteria"],
            "has_children": referral["children_in_household"] > 0, "is_repeat": repeat,
            "pushed_from_meeting_id": pushed_from, "move_reason": None, "listed_at": at,
            "heard_at": meeting["starts_at"] if heard else None,
        }  # fmt: skip
        self.screening.outcome(listing, chain)
        rows.add("marac_listings", listing)
        chain.add(
            "marac.list", at, user_id=None, object_type="marac_listing", object_id=listing["id"],
            details={"referral_id": referral["id"], "meeting_id": meeting["id"],
                     "criteria": listing["criteria"], "pushed_from_meeting_id": pushed_from},
        )  # fmt: skip
        if heard:
            add_actions(listing, meeting["starts_at"], rows, ids, chain, self.rng, self.now,
                        self.staff.coordinator)  # fmt: skip
        return listing

    # ------------------------------------------------------------ due actions

    def _due_actions(self, referral, rows, ids, chain, offer_at, listing) -> None:
        received, due = referral["received_at"], referral["offer_due_at"]
        wanted = [
            ("offer_reminder", max(due - self.settings.offer_reminder_before, received)),
            ("offer_escalation", due),
        ]
        if referral["marac"]:
            wanted.append(("marac_listing", received))
        planned = {}
        made = []
        for kind, due_at in wanted:
            row = {
                "id": ids.take("due_actions"), "kind": kind, "referral_id": referral["id"],
                "due_at": due_at, "key": due_action_key(referral["id"], kind, due_at),
                "status": "enqueued", "attempts": 0, "last_error": None, "result": None,
                "enqueued_at": received, "done_at": None, "created_at": received,
            }  # fmt: skip
            planned[kind] = due_at.isoformat()
            made.append(row)
            rows.add("due_actions", row)
        chain.add(
            "due_action.plan", received, user_id=referral["referrer_id"], object_type="referral",
            object_id=referral["id"],
            details={"offer_due_at": due.isoformat(), "actions": planned},
        )  # fmt: skip
        for row in made:
            self._run(row, referral, chain, offer_at, listing)

    def _run(self, row, referral, chain, offer_at, listing) -> None:
        # Scheduled-action lateness: seconds usually, minutes in the tail (the sweeper).
        late = self.rng.expovariate(1 / 2.0) + (self.rng.random() < 0.01) * self.rng.uniform(30, 90)
        done = row["due_at"] + timedelta(seconds=late)
        if done > self.now:
            return
        result = self._result(row["kind"], row["due_at"], offer_at, listing)
        row.update(status="done", done_at=done, attempts=1, result=result)
        chain.add(
            "due_action.run", done, user_id=None, object_type="due_action", object_id=row["id"],
            details={"kind": row["kind"], "referral_id": referral["id"],
                     "due_at": row["due_at"].isoformat(), "late_seconds": round(late, 3),
                     "result": result},
        )  # fmt: skip

    @staticmethod
    def _result(kind, due_at, offer_at, listing) -> dict:
        if kind == "marac_listing":
            if listing is None:
                return {"outcome": "no longer eligible"}
            return {"outcome": "listed", "listing_id": listing["id"],
                    "meeting_id": listing["meeting_id"]}  # fmt: skip
        if offer_at is not None and offer_at <= due_at:
            return {"outcome": "offer already made"}
        return {"outcome": "reminded" if kind == "offer_reminder" else "escalated"}
