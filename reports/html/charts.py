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
