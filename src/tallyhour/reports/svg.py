"""Server-rendered SVG charts: no script, no inline styles; colours come from CSS classes so
light and dark themes both read well. Every chart carries <title> and <desc>, and the page
shows the same figures in a table next to it."""

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from math import ceil

from django.utils.safestring import SafeString, mark_safe

from tallyhour.reports.selectors.utilisation import TrendPoint, UtilisationRow

LABEL_WIDTH = 150
BAR_HEIGHT = 18
ROW_GAP = 10
PLOT_WIDTH = 520
AXIS_HEIGHT = 24


def _hours(seconds: int) -> str:
    return f"{Decimal(seconds) / 3600:.1f} h"


def _attrs(**values: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in values.items()
    )


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return head + "".join(body) + "</svg>"


def _nice_step(maximum: float, ticks: int = 5) -> float:
    raw = maximum / ticks
    for step in (1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 80, 100, 200, 250, 500, 1000, 2000, 5000):
        if step >= raw:
            return float(step)
    return float(int(raw) + 1)


def capacity_bars(rows: Sequence[UtilisationRow], chart_id: str = "capacity") -> SafeString:
    """One stacked bar per row — billable, non-billable, then the unlogged gap — drawn against
    a marker at the row's available hours; logging past it shows as over capacity. For a
    period in progress the gap and the solid marker are to date, and a thin dashed marker
    shows the whole period's available hours."""
    if not rows:
        return mark_safe("")  # noqa: S308 - a constant empty string
    top = max(max(r.available_seconds, r.logged_seconds) for r in rows) / 3600 or 1.0
    step = _nice_step(top)
    top = step * (int(top / step) + (0 if top % step == 0 else 1))
    scale = PLOT_WIDTH / top
    height = len(rows) * (BAR_HEIGHT + ROW_GAP) + AXIS_HEIGHT + ROW_GAP
    width = LABEL_WIDTH + PLOT_WIDTH + 20
    body = []
    tick = 0.0
    while tick <= top + 1e-9:
        x = LABEL_WIDTH + tick * scale
        # The last tick ends at the plot's edge, so it is anchored there to stay inside.
        anchor = "end" if tick + step > top + 1e-9 and tick else "middle"
        body.append(
            f'<line class="chart__grid" '
            f"{_attrs(x1=f'{x:.1f}', x2=f'{x:.1f}', y1=0, y2=height - AXIS_HEIGHT)}/>"
            f'<text class="chart__axis chart__axis--x" '
            f"{_attrs(x=f'{x:.1f}', y=height - 8, text_anchor=anchor)}>{tick:g} h</text>"
        )
        tick += step
    for index, row in enumerate(rows):
        y = ROW_GAP + index * (BAR_HEIGHT + ROW_GAP)
        parts = [
            ("billable", row.billable_seconds),
            ("non-billable", row.non_billable_seconds),
            ("gap", row.gap_to_date_seconds),
        ]
        available = f"{_hours(row.available_seconds)} available"
        if row.is_to_date:
            available = f"{_hours(row.available_so_far_seconds)} available to date of {available}"
        summary = (
            f"{row.name}: {_hours(row.billable_seconds)} billable, "
            f"{_hours(row.non_billable_seconds)} non-billable, "
            f"{_hours(row.gap_to_date_seconds)} gap, {available}"
            + (" (over capacity)" if row.over_capacity else "")
        )
        body.append(f"<g><title>{escape(summary)}</title>")
        label = row.name if len(row.name) <= 20 else row.name[:19] + "…"
        body.append(
            f'<text class="chart__label" '
            f"{_attrs(x=LABEL_WIDTH - 8, y=y + BAR_HEIGHT - 5, text_anchor='end')}>"
            f"{escape(label)}</text>"
        )
        x = float(LABEL_WIDTH)
        for kind, seconds in parts:
            if seconds <= 0:
                continue
            w = seconds / 3600 * scale
            body.append(
                f'<rect class="chart__{kind}" '
                f"{_attrs(x=f'{x:.1f}', y=y, width=f'{w:.1f}', height=BAR_HEIGHT)}/>"
            )
            x += w
        if row.is_to_date:
            whole = LABEL_WIDTH + row.available_seconds / 3600 * scale
            body.append(
                f'<line class="chart__available-whole" '
                f"{_attrs(x1=f'{whole:.1f}', x2=f'{whole:.1f}', y1=y - 3, y2=y + BAR_HEIGHT + 3)}/>"
            )
        over_class = " chart__available--over" if row.over_capacity else ""
        marker = LABEL_WIDTH + row.available_so_far_seconds / 3600 * scale
        body.append(
            f'<line class="chart__available{over_class}" '
            f"{_attrs(x1=f'{marker:.1f}', x2=f'{marker:.1f}', y1=y - 3, y2=y + BAR_HEIGHT + 3)}/>"
        )
        body.append("</g>")
    over = sum(1 for r in rows if r.over_capacity)
    desc = (
        f"Stacked bars for {len(rows)} agents: billable, non-billable and gap hours; a line marks "
        f"each agent's available hours"
        + (" to date, a dashed one the whole period's" if any(r.is_to_date for r in rows) else "")
        + f". {over} over capacity. The table below has the figures."
    )
    return mark_safe(  # noqa: S308 - every text inside is escaped above
        _svg(chart_id, width, height, "Logged hours against available hours", desc, body)
    )


# Week labels under the trend: the widest ("30 Nov") is about 75 units at the phone's larger
# axis font (reports.css), and the last one is anchored at its end, so labels stand at least
# this far apart whatever the width they are drawn at.
MIN_LABEL_SPACING = 120


def week_label_indices(count: int, step_x: float) -> list[int]:
    """Which of `count` weekly points get a label: the latest week always, then every k-th
    week back from it, k chosen so labels never come closer than MIN_LABEL_SPACING."""
    if count <= 0:
        return []
    every = max(1, ceil(MIN_LABEL_SPACING / step_x)) if step_x else 1
    return sorted(range(count - 1, -1, -every))


def trend_lines(
    points: Sequence[TrendPoint], target: Decimal | None, chart_id: str = "trend"
) -> SafeString:
    """Weekly utilisation and logged % (to date for the week in progress) as lines, with the
    target as a dashed line."""
    if not points:
        return mark_safe("")  # noqa: S308 - a constant empty string
    left, right, top_pad, bottom = 80, 16, 12, 40
    width, height = 680, 230
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [
        float(v) * 100
        for p in points
        for v in (p.row.utilisation_to_date, p.row.logged_ratio_to_date)
        if v is not None
    ]
    ceiling = max([100.0, *values, float(target or 0) * 100])
    ceiling = 25 * (int(ceiling / 25) + (0 if ceiling % 25 == 0 else 1))
    step_x = plot_w / max(1, len(points) - 1)
    level_step = 25 if ceiling <= 150 else 50

    def xy(index: int, percent: float) -> str:
        x = left + (index * step_x if len(points) > 1 else plot_w / 2)
        y = top_pad + plot_h * (1 - percent / ceiling)
        return f"{x:.1f},{y:.1f}"

    body = []
    for level in range(0, int(ceiling) + 1, level_step):
        y = top_pad + plot_h * (1 - level / ceiling)
        body.append(
            f'<line class="chart__grid" '
            f"{_attrs(x1=left, x2=width - right, y1=f'{y:.1f}', y2=f'{y:.1f}')}/>"
            f'<text class="chart__axis chart__axis--y" '
            f"{_attrs(x=left - 6, y=f'{y + 4:.1f}', text_anchor='end')}>{level} %</text>"
        )
    last = len(points) - 1
    for index in week_label_indices(len(points), step_x if len(points) > 1 else 0):
        x = xy(index, 0).split(",")[0]
        anchor = "end" if index == last and last else "middle"
        monday = points[index].week_start
        body.append(
            f'<text class="chart__axis chart__axis--x" '
            f"{_attrs(x=x, y=height - 10, text_anchor=anchor)}>"
            f"{monday.day} {escape(monday.strftime('%b'))}</text>"
        )
    if target is not None:
        y = top_pad + plot_h * (1 - float(target) * 100 / ceiling)
        body.append(
            f'<line class="chart__target" '
            f"{_attrs(x1=left, x2=width - right, y1=f'{y:.1f}', y2=f'{y:.1f}')}/>"
        )
    for kind, attr in (("logged", "logged_ratio_to_date"), ("utilisation", "utilisation_to_date")):
        coords = [
            (i, float(getattr(p.row, attr)) * 100)
            for i, p in enumerate(points)
            if getattr(p.row, attr) is not None
        ]
        if len(coords) > 1:
            path = " ".join(xy(i, v) for i, v in coords)
            body.append(f'<polyline class="chart__line chart__line--{kind}" points="{path}"/>')
        for i, v in coords:
            cx, cy = xy(i, v).split(",")
            to_date = " to date" if points[i].row.is_to_date else ""
            body.append(
                f'<circle class="chart__dot chart__dot--{kind}" {_attrs(cx=cx, cy=cy, r=3)}>'
                f"<title>{escape(points[i].label)}: {kind} {v:.0f} %{to_date}</title></circle>"
            )
    desc = (
        f"Weekly utilisation (billable ÷ available) and logged % over {len(points)} weeks, "
        f"from the first week with time logged"
        + (f", against a target of {float(target) * 100:.0f} %" if target is not None else "")
        + ("; the week in progress counts to date" if points[-1].row.is_to_date else "")
        + ". The table below has the figures."
    )
    return mark_safe(  # noqa: S308 - every text inside is escaped above
        _svg(chart_id, width, height, "Utilisation per week", desc, body)
    )
