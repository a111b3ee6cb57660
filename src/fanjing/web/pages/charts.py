"""Chart geometry for inline SVG drawn by the templates (``cdc_charts.html``): no script, no
external asset. Each chart comes with its data as a table (its text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str  # which series: its colour class and its legend entry
    value: int
    label: str  # what the bar is (a day, a community)


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: tuple[Rect, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    totals: tuple[Rect, ...] = ()  # a stacked bar's total, written above it


def _scale_top(largest: int) -> int:
    """A round top for the value axis: at least 1, then the next of 1, 2, 5 × 10ⁿ."""
    power = 1
    while True:
        for step in (1, 2, 5):
            if step * power >= largest:
                return step * power
        power *= 10


def _value_ticks(top: int, to_y: float, height: float) -> tuple[Tick, ...]:
    steps = 4 if top >= 4 else top
    return tuple(
        Tick(to_y - height * i / steps, str(round(top * i / steps))) for i in range(steps + 1)
    )


def stacked_columns(
    columns: Sequence[tuple[str, str, dict[str, int]]],
    series: Sequence[str],
    *,
    width: int = 360,
    height: int = 260,
) -> Chart:
    """One column per (label, short label, counts), its series stacked bottom up."""
    left, right, top_pad, bottom = 30.0, 6.0, 18.0, 30.0
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    largest = max((sum(c.values()) for _, _, c in columns), default=0)
    top = _scale_top(largest)
    slot = plot_w / max(len(columns), 1)
    bar = slot * 0.7
    base_y = top_pad + plot_h
    rects, totals, ticks = [], [], []
    for i, (label, short, counts) in enumerate(columns):
        x = left + slot * i + (slot - bar) / 2
        y = base_y
        for name in series:
            value = counts.get(name, 0)
            if value:
                h = plot_h * value / top
                y -= h
                rects.append(Rect(x, y, bar, h, name, value, label))
        total = sum(counts.values())
        if total:
            totals.append(Rect(x + bar / 2, y - 4, 0, 0, "total", total, label))
        ticks.append(Tick(x + bar / 2, short))
    return Chart(
        width,
        height,
        tuple(rects),
        tuple(ticks),
        _value_ticks(top, base_y, plot_h),
        tuple(totals),
    )


def grouped_bars(
    rows: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[str],
    *,
    width: int = 360,
    row_height: int = 44,
    label_height: int = 18,
) -> Chart:
    """One row per (label, counts): a horizontal bar per series, the label above the bars."""
    left, right = 8.0, 40.0
    plot_w = width - left - right
    largest = max((max(c.values(), default=0) for _, c in rows), default=0)
    top = _scale_top(largest)
    bar_h = (row_height - 8) / max(len(series), 1)
    rects, ticks = [], []
    y = 4.0
    for label, counts in rows:
        ticks.append(Tick(y + label_height - 4, label))
        y += label_height
        for name in series:
            value = counts.get(name, 0)
            rects.append(Rect(left, y, plot_w * value / top, bar_h - 2, name, value, label))
            y += bar_h
        y += 8
    return Chart(width, int(y) + 4, tuple(rects), tuple(ticks), ())
