"""The SVG charts: accessible (title, description), escaped, gaps for suppressed values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from triage.services.reports.charts import Chart, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def _chart(labels, values) -> Chart:
    return Chart("c1", "Title <&>", "Description", labels, values, "Axis")


@pytest.mark.parametrize("draw", [bar_chart, line_chart])
def test_title_desc_and_role(draw):
    svg = ET.fromstring(str(draw(_chart(["a", "b"], [1, 2]))))  # noqa: S314  (our own output)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{NS}title").text == "Title <&>"  # escaped in the markup, intact here
    assert svg.find(f"{NS}desc").text == "Description"


@pytest.mark.parametrize("draw", [bar_chart, line_chart])
def test_an_empty_chart_says_so(draw):
    assert "Nothing to show" in str(draw(_chart([], [])))


def test_a_suppressed_value_is_not_drawn():
    bars = str(bar_chart(_chart(["a", "b", "c"], [10, "<5", 0])))
    assert len(re.findall(r"<rect ", bars)) == 2
    points = str(line_chart(_chart(["a", "b", "c"], [50.0, "<5", None])))
    assert len(re.findall(r"<circle ", points)) == 1
