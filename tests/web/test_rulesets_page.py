"""The administrator's rule-set page: add (checked, problems listed, text kept), activate."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests.services.test_rulesets import DEFAULT, variant
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import RuleSetVersion
from triage.services import rulesets


def test_only_admins_manage_rule_sets(client, login_as):
    login_as("manager")
    assert client.get("/admin/rule-sets").status_code == 403


def test_page_says_changes_apply_to_new_referrals_only(client, login_as):
    login_as("admin")
    page = client.get("/admin/rule-sets")
    assert page.status_code == 200
    assert "affects new referrals only" in page.text
    assert DEFAULT.version in page.text
    assert client.get(f"/admin/rule-sets/{DEFAULT.version}").status_code == 200
    assert client.get("/admin/rule-sets/1999.1-none").status_code == 404


def test_invalid_yaml_is_refused_with_every_problem_and_the_text_kept(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/rule-sets")
    text = variant("2027.9-bad").replace("threshold: 3", "threshold: -1")
    response = client.post(
        "/admin/rule-sets", data={"source": text, "csrf_token": token, "activate": "y"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "threshold" in response.text
    assert "2027.9-bad" in response.text  # what the admin pasted is still in the box
    with app.app_context():
        assert db.session.scalar(select(RuleSetVersion.id)) is None


def test_upload_activate_and_switch_back(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/rule-sets")
    upload = (io.BytesIO(variant("2027.1-test", 2).encode()), "rules.yaml")
    response = client.post(
        "/admin/rule-sets",
        data={"upload": upload, "source": "", "activate": "y", "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        assert rulesets.active_ruleset().version == "2027.1-test"
    page = client.get("/admin/rule-sets")
    assert re.search(r"Rule set 2027.1-test saved and is now used", page.text)

    token = csrf_token(client, "/admin/rule-sets")
    response = client.post(
        f"/admin/rule-sets/{DEFAULT.version}/activate", data={"csrf_token": token}
    )
    assert response.status_code == 302
    with app.app_context():
        assert rulesets.active_ruleset().version == DEFAULT.version
