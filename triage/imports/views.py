"""Upload a CSV of police notifications and see the report (rendered in the response: no
personal data ever goes into a URL)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from triage.auth.decorators import requires
from triage.services import importer, scheduling
from triage.services.rulesets import active_ruleset
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.transaction import after_commit, attempt

bp = Blueprint("imports", __name__, url_prefix="/imports")

NAV = [("Import", "imports.upload", "referral.import")]


class ImportForm(FlaskForm):
    csv_file = FileField(
        "CSV file of police notifications",
        widget=GovFileInput(),
        description=f"UTF-8 CSV, one notification per row, at most {importer.MAX_ROWS} rows "
        f"and {importer.MAX_BYTES // (1024 * 1024)} MB. The layout is in the guidance below.",
    )
    submit = SubmitField("Import", widget=GovSubmitInput())


@bp.route("", methods=["GET", "POST"])
@requires("referral.import")
def upload():
    request.max_content_length = importer.MAX_BYTES + 64 * 1024
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload_file = form.csv_file.data
        if not upload_file or not getattr(upload_file, "filename", ""):
            form.csv_file.errors = ["Choose a CSV file to import"]
        else:
            content = upload_file.read(importer.MAX_BYTES + 1)
            report, refusal = attempt(
                importer.import_referrals,
                content,
                actor=current_actor(),
                now=utcnow(),
                refusals=(importer.ImportRefused,),
            )
            if refusal is not None:
                form.csv_file.errors = [str(refusal)]
            else:
                due = report.due_action_ids
                after_commit(lambda: scheduling.enqueue(due))
    if form.errors:
        status = 400
    ruleset = active_ruleset()
    return (
        render_template(
            "imports/upload.html",
            form=form,
            report=report,
            columns=importer.expected_columns(ruleset),
            questions=len(ruleset.dash_questions),
            required=importer.REQUIRED_COLUMNS,
            active="imports.upload",
        ),
        status,
    )
