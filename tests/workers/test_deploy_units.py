"""The systemd units in deploy/systemd keep each process supervised (docs/operations.md)."""

from __future__ import annotations

import configparser

import pytest

from triage import PROJECT_ROOT

UNITS = {
    "triage-web.service": "wsgi:app",
    "triage-worker@.service": "-m workers",
    "triage-cron.service": "-m workers.cron",
}


@pytest.mark.parametrize(("unit", "command"), UNITS.items())
def test_every_unit_restarts_always_and_never_gives_up(unit, command):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((PROJECT_ROOT / "deploy" / "systemd" / unit).read_text())
    service = parser["Service"]
    assert service["Restart"] == "always"
    assert parser["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["ExecStart"].endswith(command)
    assert service["KillMode"] == "mixed"  # graceful stop first, nothing left behind after
