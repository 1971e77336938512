"""Accessible SVG charts drawn on the server: they print, paste into a board paper and need
no JavaScript. Each has a <title> and a <desc>; the page puts the data table beside it.

A suppressed value ("<5") is drawn as a gap, never as a bar or point of its true height."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
INK, BAR, GRID = "#0b0c0c", "#1d70b8", "#b1b4b6"


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    labels: list[str]
    values: list[float | int | str | None]  # a str is a suppressed value: not drawn
    axis_label: str
    max_value: float | None = None


def _numeric(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _frame(chart: Chart, body: list[str]) -> Markup:
    cid = escape(chart.chart_id)
    if not chart.labels:
        body = [
            *body,
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{INK}">'
            "Nothing to show for this period</text>",
        ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" class="report-chart" '
        f'font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.description)}</desc>',
        *body,
        "</svg>",
    ]
    # Safe: every text above (title, description, labels) went through escape(), and every
    # other value is a number formatted here.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _scale(chart: Chart) -> float:
    numbers = [v for v in map(_numeric, chart.values) if v is not None]
    top = chart.max_value or max(numbers, default=0) or 1
    return top


def _axes(chart: Chart, top: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{value:g}</text>"
        )
    out.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})"'
        f' text-anchor="middle" fill="{INK}">{escape(chart.axis_label)}</text>'
    )
    return out


def _slots(chart: Chart) -> list[float]:
    """The centre x of each category."""
    plot_w = WIDTH - LEFT - RIGHT
    n = len(chart.labels)
    return [LEFT + plot_w * (i + 0.5) / n for i in range(n)]


def _x_labels(chart: Chart, xs: list[float]) -> list[str]:
    step = max(1, len(chart.labels) // 14)  # at most ~14 labels stay legible
    out = []
    for i, (label, x) in enumerate(zip(chart.labels, xs, strict=True)):
        if i % step == 0:
            y = HEIGHT - BOTTOM + 14
            out.append(
                f'<text x="{x:.1f}" y="{y}" text-anchor="end" fill="{INK}" '
                f'transform="rotate(-35 {x:.1f} {y})">{escape(label)}</text>'
            )
    return out


def bar_chart(chart: Chart) -> Markup:
    top = _scale(chart)
    xs = _slots(chart)
    plot_h = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / max(len(xs), 1) * 0.7
    body = _axes(chart, top)
    for x, value in zip(xs, chart.values, strict=True):
        number = _numeric(value)
        if number is None:
            continue
        h = plot_h * number / top
        body.append(
            f'<rect x="{x - width / 2:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{width:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"/>'
        )
    return _frame(chart, body + _x_labels(chart, xs))


def line_chart(chart: Chart) -> Markup:
    top = _scale(chart)
    xs = _slots(chart)
    plot_h = HEIGHT - TOP - BOTTOM
    body = _axes(chart, top)
    segment: list[str] = []
    points: list[str] = []

    def flush() -> None:
        if len(segment) > 1:
            body.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR}" '
                f'stroke-width="2"/>'
            )
        segment.clear()

    for x, value in zip(xs, chart.values, strict=True):
        number = _numeric(value)
        if number is None:
            flush()  # a gap: suppressed or no base
            continue
        y = HEIGHT - BOTTOM - plot_h * number / top
        segment.append(f"{x:.1f},{y:.1f}")
        points.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR}"/>')
    flush()
    return _frame(chart, body + points + _x_labels(chart, xs))
