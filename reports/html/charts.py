"""Inline SVG charts for the HTML pages: no scripts, every mark labelled, printable in grey.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says in words what the
bars show, and every bar carries its value as text, so the chart reads without colour and in a
screen reader. Every piece of text is escaped here; the result is safe to put in a page as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 760
"""Width of a full-width chart in CSS pixels (it shrinks with a narrower page, never grows)."""
HALF = 500
"""Width of a chart shown two to a row."""
LABEL_CHARS = 30
"""Longer labels are cut with an ellipsis (the full text stays in a tooltip)."""
COLOURS = ("#2f6db5", "#e08a1e", "#6a9f3a", "#8c5fb0", "#c0504d")
BEFORE_COLOUR = "#9aa5b1"
AFTER_COLOUR = "#2f6db5"


@dataclass(frozen=True)
class Bar:
    """One labelled value."""

    label: str
    value: float
    text: str  # the value as shown next to the bar, with its unit


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar."""

    label: str
    value: float


@dataclass(frozen=True)
class Pair:
    """A figure before and after a change."""

    label: str
    before: float
    after: float
    before_text: str
    after_text: str


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def _label(
    x: float, y: float, text: str, anchor: str = "end", extra: str = "", cut: bool = True
) -> str:
    """A text element; cut labels keep their full text in a tooltip."""
    shown = _short(text) if cut else text
    tooltip = f"<title>{escape(text)}</title>" if shown != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{tooltip}'
        f"{escape(shown)}</text>"
    )


def _frame(
    chart_id: str, title: str, desc: str, height: float, body: list[str], width: float = WIDTH
) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" '
        'font-size="12">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    width: float = WIDTH,
    note: str | None = None,
) -> Markup:
    """Horizontal bars in the order given, each with its label and value; `note` goes below."""
    left, right, row = 170.0, 110.0, 22.0
    span = width - left - right
    top = max((b.value for b in bars), default=0.0)
    body = []
    for i, bar in enumerate(bars):
        y = 8 + i * row
        length = 0.0 if top <= 0 else max(bar.value / top * span, 1.0 if bar.value > 0 else 0.0)
        body.append(_label(left - 8, y + 14, bar.label))
        body.append(
            f'<rect x="{left:.1f}" y="{y + 3:.1f}" width="{length:.1f}" height="{row - 6:.1f}" '
            f'fill="{COLOURS[0]}"/>'
        )
        body.append(_label(left + length + 6, y + 14, bar.text, anchor="start", cut=False))
    if not bars:
        body.append(_label(width / 2, 24, "nothing to show", anchor="middle"))
    height = 16 + max(len(bars), 1) * row
    if note:
        body.append(_label(left, height + 4, note, anchor="start", extra=' fill="#444"', cut=False))
        height += row
    return _frame(chart_id, title, desc, height, body, width)


def histogram(
    chart_id: str,
    title: str,
    desc: str,
    bins: Sequence[Bar],
    edges: Sequence[str],
    axis: str,
    width: float = WIDTH,
) -> Markup:
    """Vertical bars over ordered buckets, the count on top of each bar.

    `edges` label the bucket boundaries (one more than the bins), or, when there is one per bin,
    the bins themselves.
    """
    left, bottom, top_pad, height = 24.0, 46.0, 22.0, 200.0
    count = max(len(bins), 1)
    slot = (width - 2 * left) / count
    peak = max((b.value for b in bins), default=0.0)
    plot = height - bottom - top_pad
    base = height - bottom
    body = [
        f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{width - left:.1f}" y2="{base:.1f}" '
        'stroke="#555"/>'
    ]
    for i, b in enumerate(bins):
        x = left + i * slot
        tall = 0.0 if peak <= 0 else b.value / peak * plot
        body.append(
            f'<rect x="{x + slot * 0.08:.1f}" y="{base - tall:.1f}" width="{slot * 0.84:.1f}" '
            f'height="{tall:.1f}" fill="{COLOURS[0]}"><title>{escape(b.label)}: '
            f"{escape(b.text)}</title></rect>"
        )
        body.append(_label(x + slot / 2, base - tall - 5, b.text, anchor="middle", cut=False))
    on_edges = len(edges) == len(bins) + 1
    for i, edge in enumerate(edges):
        x = left + i * slot + (0 if on_edges else slot / 2)
        if on_edges:
            body.append(
                f'<line x1="{x:.1f}" y1="{base:.1f}" x2="{x:.1f}" y2="{base + 4:.1f}" '
                'stroke="#555"/>'
            )
        body.append(_label(x, base + 17, edge, anchor="middle", cut=False))
    body.append(
        _label(width / 2, height - 8, axis, anchor="middle", extra=' fill="#444"', cut=False)
    )
    return _frame(chart_id, title, desc, height, body, width)


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[Segment], Callable[[float], str]]],
) -> Markup:
    """One horizontal 100 % bar per row, split into labelled parts with their share."""
    left, row = 170.0, 56.0
    span = WIDTH - left - 16
    body = []
    names = [s.label for s in rows[0][1]] if rows else []
    for i, name in enumerate(names):  # legend
        x = left + i * 150
        body.append(f'<rect x="{x:.1f}" y="4" width="12" height="12" fill="{COLOURS[i]}"/>')
        body.append(_label(x + 17, 14, name, anchor="start", cut=False))
    for r, (label, segments, fmt) in enumerate(rows):
        y = 26 + r * row
        total = sum(s.value for s in segments)
        body.append(_label(left - 8, y + 16, f"{label}: {fmt(total)}", cut=False))
        x = left
        for i, segment in enumerate(segments):
            share = 0.0 if total <= 0 else segment.value / total
            width = share * span
            body.append(
                f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="{width:.1f}" height="20" '
                f'fill="{COLOURS[i]}"><title>{escape(segment.label)}: '
                f"{escape(fmt(segment.value))} ({share:.0%})</title></rect>"
            )
            if width >= 60:
                body.append(
                    _label(
                        x + width / 2, y + 16, f"{share:.0%}", anchor="middle", extra=' fill="#fff"'
                    )
                )
            x += width
        parts = "; ".join(f"{s.label} {fmt(s.value)}" for s in segments)
        body.append(_label(left, y + 38, parts, anchor="start", extra=' fill="#444"', cut=False))
    return _frame(chart_id, title, desc, 30 + max(len(rows), 1) * row, body)


@dataclass(frozen=True)
class Stack:
    """One bar made of parts, drawn to the same scale as the other bars of its panel."""

    label: str
    segments: tuple[Segment, ...]


def stacked_totals(
    chart_id: str,
    title: str,
    desc: str,
    parts: Sequence[str],
    panels: Sequence[tuple[str, Sequence[Stack], Callable[[float], str]]],
) -> Markup:
    """Panels of horizontal bars split into `parts` (the same parts in the same order in every
    bar), each panel drawn to its largest total: each bar's total at its end, a part's value
    inside it where it fits, and every part in words below the bar."""
    left, right, bar, row = 190.0, 110.0, 20.0, 44.0
    span = WIDTH - left - right
    body = []
    for i, name in enumerate(parts):  # legend
        x = left + i * 130
        body.append(f'<rect x="{x:.1f}" y="4" width="12" height="12" fill="{COLOURS[i]}"/>')
        body.append(_label(x + 17, 14, name, anchor="start", cut=False))
    y = 28.0
    for heading, stacks, fmt in panels:
        body.append(
            _label(8, y + 14, heading, anchor="start", extra=' font-weight="600"', cut=False)
        )
        y += 24
        top = max((sum(s.value for s in stack.segments) for stack in stacks), default=0.0)
        for stack in stacks:
            body.append(_label(left - 8, y + 15, stack.label))
            x = left
            for i, segment in enumerate(stack.segments):
                width = 0.0 if top <= 0 else max(segment.value, 0.0) / top * span
                if width <= 0:
                    continue
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="{width:.1f}" height="{bar:.1f}" '
                    f'fill="{COLOURS[i]}"><title>{escape(stack.label)}, '
                    f"{escape(segment.label)}: {escape(fmt(segment.value))}</title></rect>"
                )
                inside = f"{segment.value:,.2f}"
                if width >= len(inside) * 7 + 8:
                    body.append(
                        _label(x + width / 2, y + 16, inside, anchor="middle", extra=' fill="#fff"')
                    )
                x += width
            total = sum(s.value for s in stack.segments)
            body.append(_label(x + 6, y + 16, fmt(total), anchor="start", cut=False))
            words = "; ".join(f"{s.label} {fmt(s.value)}" for s in stack.segments if s.value)
            body.append(
                _label(
                    left,
                    y + bar + 15,
                    words or "nothing",
                    anchor="start",
                    extra=' fill="#444" font-size="11"',
                    cut=False,
                )
            )
            y += row
        y += 8
    return _frame(chart_id, title, desc, y, body)


def before_after(chart_id: str, title: str, desc: str, pairs: Sequence[Pair]) -> Markup:
    """For each figure a grey bar (before) over a blue one (after), scaled to the larger."""
    left, right, block = 200.0, 150.0, 46.0
    span = WIDTH - left - right
    body = [
        f'<rect x="{left:.1f}" y="4" width="12" height="12" fill="{BEFORE_COLOUR}"/>',
        _label(left + 17, 14, "before scoping", anchor="start"),
        f'<rect x="{left + 140:.1f}" y="4" width="12" height="12" fill="{AFTER_COLOUR}"/>',
        _label(left + 157, 14, "after scoping", anchor="start"),
    ]
    for i, pair in enumerate(pairs):
        y = 24 + i * block
        top = max(pair.before, pair.after)
        body.append(_label(left - 8, y + 22, pair.label, cut=False))
        for j, (value, text, colour) in enumerate(
            (
                (pair.before, pair.before_text, BEFORE_COLOUR),
                (pair.after, pair.after_text, AFTER_COLOUR),
            )
        ):
            length = 0.0 if top <= 0 else value / top * span
            yy = y + 3 + j * 19
            body.append(
                f'<rect x="{left:.1f}" y="{yy:.1f}" width="{length:.1f}" height="16" '
                f'fill="{colour}"/>'
            )
            body.append(_label(left + length + 6, yy + 12, text, anchor="start", cut=False))
    return _frame(chart_id, title, desc, 30 + max(len(pairs), 1) * block, body)


def nice_step(span: float, most: int) -> float:
    """The smallest 1, 2 or 5 x 10^k step that cuts `span` into at most `most` buckets."""
    if span <= 0:
        return 1.0
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= raw:
            return factor * power
    return 10.0 * power


def buckets(
    weighted: Sequence[tuple[float, int]], most: int
) -> tuple[list[tuple[float, float, int]], list[float]]:
    """Weighted values (value, pods) grouped into at most `most` equal buckets with round edges.

    Returns (low, high, pods) per bucket and the edges; a bucket holds low <= value < high, the
    last one also its upper edge. One value (all proxies alike) gives one bucket and one edge.
    """
    values = [v for v, n in weighted if n > 0]
    if not values:
        return [], []
    low, high = min(values), max(values)
    if low == high:
        return [(low, high, sum(n for _, n in weighted))], [low]
    step = nice_step(high - low, most)
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step))
    if start + count * step <= high:
        count += 1
    pods = [0] * count
    for value, n in weighted:
        if n > 0:
            pods[min(int((value - start) // step), count - 1)] += n
    edges = [start + i * step for i in range(count + 1)]
    return [(edges[i], edges[i + 1], pods[i]) for i in range(count)], edges


@dataclass(frozen=True)
class Step:
    """One signed contribution to a change (a driver), or the change itself."""

    label: str
    value: float
    text: str  # the value as shown, with its sign


RISE_COLOUR = "#c0504d"
FALL_COLOUR = "#6a9f3a"
TOTAL_COLOUR = "#1d2630"


def waterfall(chart_id: str, title: str, desc: str, steps: Sequence[Step], total: Step) -> Markup:
    """Signed contributions as a waterfall: each step a bar from the running sum before it to
    the running sum after it (a rise one colour, a fall another, a dotted link between them),
    and the total a bar from zero to where the steps end, so the bars visibly add up. Each
    value as text in the right-hand column."""
    left, right, row = 250.0, 100.0, 24.0
    span = WIDTH - left - right - 12
    ends = [0.0]
    for step in steps:
        ends.append(ends[-1] + step.value)
    low, high = min(0.0, *ends, total.value), max(0.0, *ends, total.value)
    scale = span / (high - low) if high > low else 0.0

    def x(value: float) -> float:
        return left + 6 + (value - low) * scale

    legend = (
        (RISE_COLOUR, "raises the requests"),
        (FALL_COLOUR, "lowers them"),
        (TOTAL_COLOUR, "the total change"),
    )
    body = []
    for i, (colour, words) in enumerate(legend):
        at = left + i * 160
        body.append(f'<rect x="{at:.1f}" y="4" width="12" height="12" fill="{colour}"/>')
        body.append(_label(at + 17, 14, words, anchor="start", cut=False))
    top = 24.0
    rows = [*steps, total]
    for i, step in enumerate(rows):
        y = top + i * row
        is_total = i == len(steps)
        start, end = (0.0, total.value) if is_total else (ends[i], ends[i + 1])
        colour = TOTAL_COLOUR if is_total else RISE_COLOUR if step.value > 0 else FALL_COLOUR
        x0, x1 = sorted((x(start), x(end)))
        weight = ' font-weight="600"' if is_total else ""
        body.append(_label(left - 8, y + 15, step.label, extra=weight))
        length = max(x1 - x0, 1.0 if step.value else 0.0)
        body.append(
            f'<rect x="{x0:.1f}" y="{y + 4:.1f}" width="{length:.1f}" '
            f'height="{row - 8:.1f}" fill="{colour}"><title>{escape(step.label)}: '
            f"{escape(step.text)}</title></rect>"
        )
        if not is_total:  # the link to the next bar, at the running sum
            body.append(
                f'<line x1="{x(end):.1f}" y1="{y + row - 4:.1f}" x2="{x(end):.1f}" '
                f'y2="{y + row + 4:.1f}" stroke="#555" stroke-dasharray="2 2"/>'
            )
        body.append(_label(WIDTH - 8, y + 15, step.text, extra=weight, cut=False))
    bottom = top + len(rows) * row
    body.append(
        f'<line x1="{x(0.0):.1f}" y1="{top:.1f}" x2="{x(0.0):.1f}" y2="{bottom:.1f}" '
        'stroke="#555"/>'
    )
    body.append(_label(x(0.0), bottom + 14, "0", anchor="middle", cut=False))
    return _frame(chart_id, title, desc, bottom + 22, body)


@dataclass(frozen=True)
class Point:
    """One dated value of a series: its position in days and its text."""

    day: float
    value: float
    date: str
    text: str


def trend(
    chart_id: str,
    title: str,
    desc: str,
    history: Sequence[Point],
    curve: Sequence[tuple[float, float]],
    horizon: Point,
    interval: tuple[float, float] | None,
    law: str,
    note: str,
    width: float = HALF,
) -> Markup:
    """A series over time: the history as labelled dots, the fitted law as a dashed line
    (`curve`: (day, value) points) drawn through to the horizon, and at the horizon the value
    the law gives with its interval as a whisker (`interval`, low and high), each labelled;
    `note` (the figures at the horizon in words) goes below."""
    left, right, top_pad, bottom = 58.0, 90.0, 34.0, 58.0
    height = 268.0
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [p.value for p in history] + [v for _, v in curve] + [horizon.value]
    if interval is not None:
        values += list(interval)
    low, high = min(values), max(values)
    if high <= low:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.08  # no dot and its label on the axis
    low, high = low - pad, high + pad
    step = nice_step(high - low, 4)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    last = max(horizon.day, 1.0)

    def x(day: float) -> float:
        return left + 16 + day / last * (plot_w - 16)

    def y(value: float) -> float:
        return top_pad + (high - value) / (high - low) * plot_h

    body = [
        f'<circle cx="{left:.1f}" cy="10" r="4" fill="{COLOURS[0]}"/>',
        _label(left + 8, 14, "history", anchor="start", cut=False),
        f'<line x1="{left + 70:.1f}" y1="10" x2="{left + 94:.1f}" y2="10" stroke="{COLOURS[1]}" '
        'stroke-width="2" stroke-dasharray="5 3"/>',
        _label(left + 98, 14, f"{law} law", anchor="start", cut=False),
    ]
    if interval is not None:
        at = left + 98 + len(f"{law} law") * 7 + 16  # after the law's legend
        body += [
            f'<line x1="{at:.1f}" y1="4" x2="{at:.1f}" y2="16" stroke="#555" stroke-width="2"/>',
            _label(at + 6, 14, "95 % interval", anchor="start", cut=False),
        ]
    base = top_pad + plot_h
    body.append(
        f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{left + plot_w:.1f}" y2="{base:.1f}" '
        'stroke="#555"/>'
    )
    tick = low
    while tick <= high + step / 2:
        body.append(
            f'<line x1="{left:.1f}" y1="{y(tick):.1f}" x2="{left + plot_w:.1f}" '
            f'y2="{y(tick):.1f}" stroke="#e4e9ee"/>'
        )
        body.append(_label(left - 6, y(tick) + 4, f"{tick:,.10g}", cut=False))
        tick += step
    line = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in curve)
    body.append(
        f'<polyline points="{line}" fill="none" stroke="{COLOURS[1]}" stroke-width="2" '
        f'stroke-dasharray="5 3"><title>{escape(law)} law</title></polyline>'
    )
    for point in history:
        body.append(
            f'<circle cx="{x(point.day):.1f}" cy="{y(point.value):.1f}" r="4" '
            f'fill="{COLOURS[0]}"><title>{escape(point.date)}: {escape(point.text)}</title>'
            "</circle>"
        )
        body.append(
            _label(x(point.day), y(point.value) - 8, point.text, anchor="middle", cut=False)
        )
    hx = x(horizon.day)
    shown = -1e9
    for point in history:  # each date that has room beside the last shown and the horizon's
        at = x(point.day)
        if at - shown >= 76 and hx - at >= 76:
            body.append(_label(at, base + 16, point.date, anchor="middle", cut=False))
            shown = at
    body.append(_label(hx, base + 16, horizon.date, anchor="middle", cut=False))
    body.append(_label(hx, base + 30, "horizon", anchor="middle", extra=' fill="#444"', cut=False))
    if interval is not None:
        a, b = y(interval[0]), y(interval[1])
        body.append(
            f'<line x1="{hx:.1f}" y1="{a:.1f}" x2="{hx:.1f}" y2="{b:.1f}" stroke="#555" '
            'stroke-width="2"/>'
        )
        for end in (a, b):
            body.append(
                f'<line x1="{hx - 5:.1f}" y1="{end:.1f}" x2="{hx + 5:.1f}" y2="{end:.1f}" '
                'stroke="#555" stroke-width="2"/>'
            )
    body.append(
        f'<rect x="{hx - 4:.1f}" y="{y(horizon.value) - 4:.1f}" width="8" height="8" '
        f'fill="{COLOURS[1]}"><title>{escape(horizon.date)}: {escape(horizon.text)}</title></rect>'
    )
    body.append(_label(hx + 10, y(horizon.value) + 4, horizon.text, anchor="start", cut=False))
    body.append(_label(8, height - 8, note, anchor="start", extra=' fill="#444"', cut=False))
    return _frame(chart_id, title, desc, height, body, width)
