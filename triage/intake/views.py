"""New referrals through the long form, and the referral page.

The form is five sections, each saved to a server-side draft on every POST (valid or
not), then "Check your answers", then one call to the intake service. Views stay thin:
the service validates, assesses, stores and audits; the request boundary commits
(`triage.web.transaction`) and the referral's jobs are enqueued after that commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from triage import vocabulary
from triage.auth.decorators import requires
from triage.auth.login import SESSION_KEY
from triage.intake import flow, summary
from triage.intake.form_fields import choices
from triage.intake.forms import ANSWER_LABELS, MatchForm
from triage.models import Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.permissions.cases import can, has_capability
from triage.rules import RuleSet
from triage.services import (
    auth_sessions,
    case_record,
    drafts,
    person_matching,
    possible_matches,
    screening_decisions,
)
from triage.services.actor import Actor
from triage.services.intake_validation import IntakeInvalid
from triage.services.person_details import Viewer, case_people, latest_visible
from triage.services.referral_creation import create_referral
from triage.services.referral_summary import (
    current_marac_listing,
    record_view,
    referral_summary,
)
from triage.services.rulesets import active_ruleset, ruleset_by_version
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.deadlines import enqueue_after_commit
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("referral", __name__, url_prefix="/referrals")

NAV = [("New referral", "referral.create", "referral.create")]


def _ruleset_for(draft: dict) -> RuleSet:
    """The rule set whose questions the draft was started with (so its answers still fit)."""
    version = draft.get("ruleset_version")
    if version:
        try:
            return ruleset_by_version(version)
        except LookupError:
            pass
    return active_ruleset()


def _draft() -> dict:
    draft = drafts.load(current_user.id)
    draft.setdefault("sections", {})
    draft.setdefault("status", {})
    draft.setdefault("matches", {})
    draft.setdefault("service_errors", {})
    return draft


def _save(draft: dict) -> None:
    if not draft.get("ruleset_version"):
        draft["ruleset_version"] = active_ruleset().version
    drafts.save(current_user.id, draft, now=request_now())


def _viewer() -> Viewer:
    return Viewer(current_user)


def _return_to_check() -> bool:
    return request.args.get("return") == "check"


# --------------------------------------------------------------------------- time-outs

# A section POST that arrives just after the session timed out is saved to its owner's
# draft before the sign-in page, so the page being typed is not lost either.
TIMEOUT_RESCUE_WINDOW = timedelta(hours=12)


@bp.before_request
def _rescue_after_time_out():
    if request.method != "POST" or request.endpoint != "referral.section":
        return None
    section = (request.view_args or {}).get("section")
    token = session.get(SESSION_KEY)  # read before current_user ends a timed-out session
    if section not in flow.SECTION_NAMES or not token or current_user.is_authenticated:
        return None
    row = auth_sessions.find_session(token)
    now = request_now()
    if (
        row is None
        or not row.mfa_passed  # only a session that was fully signed in
        or row.end_reason not in ("idle_timeout", "absolute_timeout")
        or row.ended_at is None
        or now - row.ended_at > TIMEOUT_RESCUE_WINDOW
        or not has_capability(row.user, "referral.create")
    ):
        return None
    actor = Actor.for_user(row.user, request_id=g.get("request_id"), ip=request.remote_addr)
    drafts.save_after_time_out(
        row.user_id, section, flow.typed(request.form), actor=actor, now=now
    )  # committed by the request boundary, with the redirect
    flash("Your session timed out. What you typed was saved: sign in to carry on.", "info")
    return redirect(url_for("auth.sign_in", next=url_for("referral.section", section=section)))


# --------------------------------------------------------------------------- the task list


@bp.route("/new")
@requires("referral.create")
def create():
    draft = _draft()
    rows = [{"section": s, "status": flow.section_status(draft, s.name)} for s in flow.SECTIONS]
    return render_template(
        "intake/task_list.html",
        rows=rows,
        started=bool(draft["sections"]),
        ready=flow.all_complete(draft),
        active="referral.create",
    )


@bp.route("/new/discard", methods=["POST"])
@requires("referral.create")
def discard():
    drafts.discard(current_user.id)
    flash("The draft referral was deleted.", "success")
    return redirect(url_for("referral.create"))


# --------------------------------------------------------------------------- one section


@bp.route("/new/<section>", methods=["GET", "POST"])
@requires("referral.create")
def section(section: str):
    if section not in flow.SECTION_NAMES:
        abort(404)
    draft = _draft()
    ruleset = _ruleset_for(draft)
    service_errors: dict[str, str] = draft["service_errors"].get(section, {})
    if request.method == "POST":
        # Keep what was typed whatever happens next: a failed check loses nothing.
        draft["sections"][section] = flow.typed(request.form)
        # The service's problems were found on the referral as it was: any change (in this
        # section or another: a received date fixes the checklist's date) may fix them, and
        # the next submission checks again, so none is kept to reappear once fixed.
        draft["service_errors"] = {}
        service_errors = {}
        form = flow.build_form(section, ruleset, request.form)
        valid = form.validate()
        draft["status"][section] = "complete" if valid else "errors"
        _save(draft)
        if valid:
            return redirect(_after_section(draft, ruleset, section))
    else:
        formdata = flow.saved_formdata(draft, section)
        form = flow.build_form(section, ruleset, formdata)
        if formdata is not None and draft["status"].get(section) != "complete":
            form.validate()  # resuming a draft that had problems: show them again
        for field_name, message in service_errors.items():
            if field_name in form._fields and not form[field_name].errors:
                form[field_name].errors = [*form[field_name].errors, message]
    return render_template(
        f"intake/section_{section}.html",
        form=form,
        errors=flow.error_list(form),
        section=flow.SECTION_BY_NAME[section],
        ruleset=ruleset,
        return_to_check=_return_to_check(),
        active="referral.create",
    )


def _after_section(draft: dict, ruleset: RuleSet, section: str) -> str:
    check = _return_to_check()
    if section in flow.ROLES and flow.pending_match(draft, ruleset, _viewer()) == section:
        return url_for("referral.match", role=section, **({"return": "check"} if check else {}))
    if check and flow.all_complete(draft):
        return url_for("referral.check")
    following = flow.next_section(section)
    if following and flow.section_status(draft, following) != "complete":
        return url_for("referral.section", section=following)
    if flow.all_complete(draft):
        return url_for("referral.check")
    return url_for("referral.create")


# --------------------------------------------------------------------------- near matches


@bp.route("/new/match/<role>", methods=["GET", "POST"])
@requires("referral.create")
def match(role: str):
    if role not in flow.ROLES:
        abort(404)
    draft = _draft()
    ruleset = _ruleset_for(draft)
    details = flow.person_details(draft, ruleset, role)
    viewer = _viewer()
    result = flow.matches_for(details, viewer) if details else None
    if details is None or result is None or result.exact is not None or not result.near:
        return redirect(url_for("referral.create"))
    # Each person as the newest case this user may see recorded them, labelled with it.
    near = [(p.id, latest_visible(p.id, viewer)) for p in result.near]
    near = [(pid, d) for pid, d in near if d is not None]  # a record with no details row
    if not near:
        return redirect(url_for("referral.create"))
    form = MatchForm(formdata=request.form if request.method == "POST" else None)
    form.choice.choices = choices(
        [(str(pid), d.display_name) for pid, d in near] + [("new", "A different person")]
    )
    form.choice.label.text = (
        f"Is the {role} the same person as someone already known to the service?"
    )
    if request.method == "POST" and form.validate():
        person_id = None if form.choice.data == "new" else int(form.choice.data)
        draft["matches"][role] = {"key": flow.details_key(details), "person_id": person_id}
        draft["service_errors"] = {}  # checked again on the next submission
        _save(draft)
        return redirect(_after_section(draft, ruleset, role))
    shown = [p for p in result.near if p.id in dict(near)]
    person_matching.record_offer(role, shown, actor=current_actor(), now=request_now())
    return render_template(
        "intake/match.html",
        form=form,
        errors=flow.error_list(form),
        role=role,
        details=details,
        near=near,
        active="referral.create",
    )


# --------------------------------------------------------------------------- check answers


@bp.route("/new/check", methods=["GET", "POST"])
@requires("referral.create")
def check():
    draft = _draft()
    ruleset = _ruleset_for(draft)
    missing = flow.first_incomplete(draft)
    if missing:
        flash("Complete every section before you check your answers.", "info")
        return redirect(url_for("referral.section", section=missing))
    role = flow.pending_match(draft, ruleset, _viewer())
    if role:
        return redirect(url_for("referral.match", role=role, **{"return": "check"}))
    data = flow.data_from_draft(draft, ruleset)
    if data is None:  # a section no longer checks out (e.g. the rule set changed)
        return redirect(url_for("referral.create"))
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        # One submission per draft: lock it, so a double click cannot make two referrals.
        if drafts.get(current_user.id, lock=True) is None:
            return redirect(url_for("referral.create"))
        created, refusal = attempt(
            create_referral,
            data,
            actor=current_actor(),
            now=request_now(),
            settings=request_settings(),
            ruleset=active_ruleset(),
            refusals=(IntakeInvalid,),
        )
        if refusal is not None:
            errors = _service_errors(draft, refusal.errors)
            _save(draft)
        else:
            drafts.discard(current_user.id)
            due, referral = created.due_action_ids, created.referral
            enqueue_after_commit(due, now=request_now())
            flash(f"Referral {referral.reference} received.", "success")
            return redirect(url_for("referral.show", referral_id=referral.id))
    return render_template(
        "intake/check.html",
        sections=summary.check_sections(data, _labels(ruleset)),
        exact_roles=flow.exact_roles(draft, ruleset, _viewer()),
        errors=errors,
        active="referral.create",
    )


def _service_errors(draft: dict, problems: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep each problem against its section's field, and link to it from the summary."""
    items = []
    draft["service_errors"] = {}
    for problem in problems:
        place = flow.locate(problem["field"])
        if place is None:
            items.append({"text": problem["message"]})
            continue
        section, field_name = place
        draft["service_errors"].setdefault(section, {}).setdefault(field_name, problem["message"])
        href = url_for(
            "referral.section",
            section=section,
            _anchor=flow.field_anchor(field_name),
            **{"return": "check"},
        )
        items.append({"text": problem["message"], "href": href})
    return items


def _labels(ruleset: RuleSet) -> dict:
    return {
        "agencies": SOURCE_AGENCIES,
        "consent": vocabulary.CONSENT_BASES,
        "genders": vocabulary.GENDERS,
        "answers": ANSWER_LABELS,
        "needs": dict(ruleset.victim_need_labels),
        "management": dict(ruleset.perpetrator_management_labels),
        "questions": {q.number: q for q in ruleset.dash_questions},
    }


# --------------------------------------------------------------------------- the referral


@bp.route("/<int:referral_id>")
@requires("referral.view")
def show(referral_id: int):
    # Same answer for an unknown id and one the user may not see (audited).
    referral = get_or_404(Referral, referral_id, object_type="referral", capability="referral.view")
    record_view(
        referral,
        actor=current_actor(),
        now=request_now(),
        details={"reference": referral.reference},
    )
    summary = referral_summary(referral)
    try:
        ruleset = ruleset_by_version(referral.ruleset_version)
    except LookupError:
        ruleset = None
    offer_link = None
    if (
        referral.status != "closed"  # the offer service refuses a closed case
        and "offers.record" in current_app.view_functions
        and can(current_user, "offer.record", referral)
    ):
        offer_link = url_for("offers.record", referral_id=referral.id)
    close_link = None
    if referral.status != "closed" and can(current_user, "referral.screen", referral):
        close_link = url_for("lifecycle.close", referral_id=referral.id)
    screener = can(current_user, "referral.screen", referral)
    contacts = case_record.may_see_safe_contact(current_user, referral)
    return render_template(
        "referrals/show.html",
        referral=referral,
        summary=summary,
        ruleset=ruleset,
        labels=_labels(ruleset) if ruleset else None,
        offer_link=offer_link,
        close_link=close_link,
        people=case_people(referral, Viewer(current_user)),
        match_tasks=possible_matches.open_tasks(referral.id) if screener else [],
        can_screen=screener,
        decisions=screening_decisions.decisions_for(referral.id),
        timeline=case_record.timeline(referral, current_user),
        show_safe_contact=contacts,
        safe_contact=case_record.safe_contact(referral) if contacts else None,
        listing=current_marac_listing(referral.id),
        last_marac=(
            datetime.fromisoformat(summary["last_marac_referral_at"])
            if summary["last_marac_referral_at"]
            else None
        ),
        agency=SOURCE_AGENCIES.get(referral.source_agency, referral.source_agency),
        agencies=SOURCE_AGENCIES,
        consent=vocabulary.CONSENT_BASES.get(referral.consent_basis or "", referral.consent_basis),
        active=None,
    )
