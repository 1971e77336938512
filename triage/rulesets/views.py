"""Rule sets: an administrator stores and activates versions; a manager replays referrals.

Views are thin: validate the form, call one service, render. A change of rule set affects
new referrals only; the page says so.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from triage.auth.decorators import requires
from triage.rules import MARAC_CRITERIA, InvalidRuleSet, parse_ruleset
from triage.rulesets.forms import ActivateForm, ReplayForm, RuleSetForm
from triage.services import replay as replay_service
from triage.services import rulesets
from triage.services.rulesets import MAX_SOURCE_CHARS, UnknownRuleSet
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.limits import body_limit
from triage.web.transaction import attempt

bp = Blueprint("rulesets", __name__)

NAV = [
    ("Rule sets", "rulesets.index", "ruleset.manage"),
    ("Replay", "rulesets.replay", "ruleset.replay"),
]


@bp.app_template_filter("criterion_title")
def criterion_title(name: str) -> str:
    """'potential_escalation' -> 'Potential escalation' (the rule engine's own titles)."""
    return MARAC_CRITERIA.get(name, name)


# A rule set file is small; refuse anything much bigger before reading it.
MAX_UPLOAD_BYTES = MAX_SOURCE_CHARS * 4 + 64 * 1024


@bp.route("/admin/rule-sets", methods=["GET", "POST"])
@requires("ruleset.manage")
@body_limit(MAX_UPLOAD_BYTES)
def index():
    request.max_content_length = MAX_UPLOAD_BYTES
    form = RuleSetForm()
    problems: list[str] = []
    if form.validate_on_submit():
        text = form.text()
        if text is not None:
            row, refused = attempt(
                rulesets.add_ruleset,
                text,
                current_actor(),
                activate=form.activate.data,
                now=utcnow(),
                refusals=(InvalidRuleSet,),
            )
            if refused is not None:
                problems = refused.errors
                form.source.errors = [
                    f"The rule set was not saved: {len(problems)} "
                    f"problem{'s' if len(problems) != 1 else ''} (listed below)"
                ]
            else:
                state = "and is now used for new referrals" if row.active else "(not in use yet)"
                flash(f"Rule set {row.version} saved {state}.", "success")
                return redirect(url_for("rulesets.index"))
    status = 400 if form.errors or problems else 200
    return (
        render_template(
            "rulesets/index.html",
            form=form,
            problems=problems,
            versions=rulesets.list_rulesets(),
            activate_form=ActivateForm(),
            active="rulesets.index",
        ),
        status,
    )


@bp.route("/admin/rule-sets/<version>")
@requires("ruleset.manage")
def show(version: str):
    try:
        ruleset = rulesets.ruleset_by_version(version)
    except UnknownRuleSet:
        abort(404)
    return render_template(
        "rulesets/show.html",
        ruleset=ruleset,
        is_active=rulesets.active_ruleset().version == ruleset.version,
        activate_form=ActivateForm(),
        active="rulesets.index",
    )


@bp.route("/admin/rule-sets/<version>/activate", methods=["POST"])
@requires("ruleset.manage")
def activate(version: str):
    form = ActivateForm()
    if not form.validate_on_submit():
        abort(400)
    _row, unknown = attempt(
        rulesets.activate_version,
        version,
        current_actor(),
        now=utcnow(),
        refusals=(UnknownRuleSet,),
    )
    if unknown is not None:
        abort(404)
    flash(f"Rule set {version} is now used for new referrals.", "success")
    return redirect(url_for("rulesets.index"))


@bp.route("/rule-sets/replay", methods=["GET", "POST"])
@requires("ruleset.replay")
def replay():
    request.max_content_length = MAX_UPLOAD_BYTES
    form = ReplayForm()
    versions = rulesets.list_rulesets()
    form.version.choices = [SelectChoice(v.version, v.version) for v in versions]
    report, problems = None, []
    if form.validate_on_submit():
        ruleset = None
        try:
            if form.choice.data == "pasted":
                text = (form.source.data or "").replace("\r\n", "\n")
                if not text.strip():
                    form.source.errors = ["Paste the rule set to replay under"]
                else:
                    ruleset = parse_ruleset(text, source="pasted rule set")
            else:
                ruleset = rulesets.ruleset_by_version(form.version.data or "")
        except InvalidRuleSet as exc:
            problems = exc.errors
            form.source.errors = [f"The rule set cannot be used: {len(problems)} problem(s)"]
        except UnknownRuleSet:
            form.version.errors = ["Choose a stored version"]
        if ruleset is not None:
            # The run's audit event is its only write; no referral changes.
            report, invalid = attempt(
                replay_service.replay,
                ruleset,
                form.date_from.data,
                form.date_to.data,
                actor=current_actor(),
                now=utcnow(),
                refusals=(replay_service.ReplayRangeInvalid,),
            )
            if invalid is not None:
                form.date_to.errors = [str(invalid)]
    status = 400 if form.errors or problems else 200
    return (
        render_template(
            "rulesets/replay.html",
            form=form,
            report=report,
            problems=problems,
            active_version=rulesets.active_ruleset().version,
            active="rulesets.replay",
        ),
        status,
    )
