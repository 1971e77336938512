"""Known vulnerabilities in the pinned dependencies: pip-audit for requirements.txt, npm audit
for package-lock.json. Fails on any advisory not in .ci/audit-ignore.txt, and fails when a
dependency could not be checked at all (an unreachable advisory service is not a clean bill).

Usage: python .ci/audit.py PIP_AUDIT_EXECUTABLE
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".ci" / "audit-ignore.txt"
REQUIREMENTS = str(ROOT / "requirements.txt")


def reviewed_ignores() -> set[str]:
    """Advisory ids, one a line, each with a reason after `#` (a bare id is refused)."""
    ids = set()
    for number, line in enumerate(IGNORE_FILE.read_text().splitlines(), 1):
        entry, _, reason = line.partition("#")
        if not entry.strip():
            continue
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}:{number}: say why {entry.strip()} is ignored")
        ids.add(entry.strip())
    return ids


def python_findings(pip_audit: str, ignored: set[str]) -> list[str]:
    result = subprocess.run(  # noqa: S603  (the Makefile's own pip-audit, fixed arguments)
        [
            pip_audit,
            "--strict",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "-r",
            REQUIREMENTS,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"pip-audit could not audit the requirements: {result.stderr.strip()[-400:]}"]
    findings = []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            findings.append(f"{dependency['name']}: not audited ({dependency['skip_reason']})")
        for vuln in dependency.get("vulns", []):
            names = {vuln["id"], *vuln.get("aliases", [])}
            if not names & ignored:
                findings.append(f"{dependency['name']} {dependency['version']}: {vuln['id']}")
    return findings


def npm_findings(ignored: set[str]) -> list[str]:
    result = subprocess.run(
        ["npm", "audit", "--json"],  # noqa: S607  (npm from PATH, as the Makefile runs it)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"npm audit gave no report: {result.stderr.strip()[-400:]}"]
    if "error" in report:
        return [f"npm audit could not audit package-lock.json: {report['error'].get('summary')}"]
    findings = []
    for name, item in report.get("vulnerabilities", {}).items():
        for via in item.get("via", []):
            if isinstance(via, dict):
                advisory = str(via.get("url", "")).rsplit("/", 1)[-1] or str(via.get("source"))
                if advisory not in ignored:
                    findings.append(f"{name}: {advisory} ({via.get('severity')})")
    return findings


def main(pip_audit: str) -> int:
    ignored = reviewed_ignores()
    findings = python_findings(pip_audit, ignored) + npm_findings(ignored)
    for finding in findings:
        print(f"audit: {finding}")
    print(f"audit: {len(findings)} finding(s), {len(ignored)} reviewed ignore(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
