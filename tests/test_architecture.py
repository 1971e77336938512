"""The layout holds: imports point down the layers, and only the boundaries commit.

Layers, bottom up (docs/architecture.md):
  pure        triage/rules/, triage/workdays.py, triage/marac_rules.py
  models      triage/models/ (with triage/extensions.py, triage/database.py)
  permissions triage/permissions/
  services    triage/services/
  web         blueprints (triage/auth, triage/intake, triage/api, …) and triage/web/
  boundary    triage/__init__.py, triage/cli.py, workers/
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "triage"

BLUEPRINTS = {
    "admin",
    "api",
    "audit_admin",
    "auth",
    "home",
    "imports",
    "intake",
    "lifecycle",
    "marac",
    "offers",
    "ops",
    "people",
    "reports",
    "rulesets",
    "screening",
    "web",
}
PURE = {"rules", "workdays", "marac_rules"}
FRAMEWORKS = ("flask", "flask_", "sqlalchemy", "werkzeug", "rq", "redis")
# Flask globals that mean "read the request, the user, the app's settings by yourself".
REQUEST_GLOBALS = {"request", "g", "session", "current_app", "current_user"}

# The places that own a transaction: the request boundary, the job boundary, the CLI.
COMMIT_OWNERS = {
    "triage/web/transaction.py",
    "workers/context.py",
    "triage/cli.py",
}


def _python_files(*tops: str) -> list[Path]:
    files: list[Path] = []
    for top in tops:
        files.extend(sorted((ROOT / top).rglob("*.py")))
    return files


def _area(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in the file, wherever it stands (lazy ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "triage" and node.level == 0:
            found.extend((f"triage.{alias.name}", []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _triage_area(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "triage":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _violations(path: Path) -> list[str]:
    area = _area(path)
    rel = path.relative_to(ROOT).as_posix()
    problems = []
    for module, names in _imports(path):
        target = _triage_area(module)
        if module.split(".")[0] == "workers":
            problems.append(f"{rel} imports {module}: triage never imports workers")
        if area in PURE and module.startswith(FRAMEWORKS):
            problems.append(f"{rel} imports {module}: pure code imports no framework")
        if area in PURE and target not in (None, *PURE):
            problems.append(f"{rel} imports {module}: pure code imports only pure code")
        if area in {"models", "extensions", "database"} and target in (
            {"services", "permissions", "cli", "__init__"} | BLUEPRINTS
        ):
            problems.append(f"{rel} imports {module}: models sit below it")
        if area == "permissions" and target in ({"services", "cli"} | BLUEPRINTS):
            problems.append(f"{rel} imports {module}: permissions sit below it")
        if area == "services" and target in ({"cli", "__init__"} | BLUEPRINTS):
            problems.append(f"{rel} imports {module}: services sit below the blueprints")
        if area in {"services", "permissions"} and module in {"flask", "flask_login"}:
            leaked = REQUEST_GLOBALS.intersection(names)
            if leaked:
                problems.append(f"{rel} takes {sorted(leaked)} from {module}: pass them in")
    return problems


def test_imports_point_down_the_layers():
    problems = [p for path in _python_files("triage") for p in _violations(path)]
    assert problems == []


def test_the_checker_sees_a_wrong_way_import(tmp_path, monkeypatch):
    """The rule above can fail: a service importing a blueprint is caught."""
    fake = PACKAGE / "services" / "_fake_for_test.py"
    monkeypatch.setattr(
        Path, "read_text", lambda self, encoding=None: "from triage.intake import views\n"
    )
    assert _violations(fake) == [
        "triage/services/_fake_for_test.py imports triage.intake: services sit below the blueprints"
    ]


def _commit_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
        and not node.args
        and ast.unparse(node.func.value) in {"db.session", "session", "self.session"}
    ]


def test_only_the_boundaries_commit():
    sites = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in _python_files("triage", "workers")
        for line in _commit_calls(path)
        if path.relative_to(ROOT).as_posix() not in COMMIT_OWNERS
    ]
    assert sites == []


@pytest.mark.parametrize("owner", sorted(COMMIT_OWNERS))
def test_each_boundary_exists(owner):
    assert (ROOT / owner).is_file()
