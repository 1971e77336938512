"""Supply chain and code hygiene, in the default test run: bandit finds nothing of medium or
high severity in the product code, ruff is clean on the whole tree, requirements are pinned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from triage import PROJECT_ROOT

BIN = Path(sys.executable).parent
PRODUCT = ["triage", "workers", "config.py", "wsgi.py"]

# Reviewed findings that bandit cannot see are safe, each with the check that keeps it true.
ALLOWED = {
    # yaml.load with a SafeLoader subclass (refuses duplicate keys): see the assertion below.
    ("triage/rules/ruleset.py", "B506"),
}


def test_loader_allowed_above_is_still_a_safe_loader():
    from triage.rules import ruleset

    assert issubclass(ruleset._StrictLoader, yaml.SafeLoader)


def test_bandit_finds_no_medium_or_high_issue_in_product_code():
    result = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", *PRODUCT, "-f", "json", "--severity-level", "medium"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in {"MEDIUM", "HIGH"}
        and (r["filename"].removeprefix("./"), r["test_id"]) not in ALLOWED
    ]
    assert findings == [], "bandit:\n" + "\n".join(findings)


def test_ruff_is_clean_on_the_whole_tree():
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_requirements_are_pinned():
    pin = re.compile(r"^[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+$")
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (PROJECT_ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            assert pin.match(line), f"{name}: not pinned exactly: {line!r}"
