"""Small line charts as inline SVG, for the regularization experiment.

No plotting library and no script: the chart is a few SVG elements with
presentation attributes (which the report's Content-Security-Policy allows),
scales with the page (``viewBox``, width 100%), follows the light or dark
colour scheme through ``currentColor``, and describes itself in ``<title>``
and ``<desc>`` for a screen reader. Each series is told apart by dash
pattern and marker shape as well as by colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 320, 236
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 26, 52
# Colour-blind-safe pair (blue, orange), plus distinct dashes and markers.
STYLES = (("#0072b2", "", "circle"), ("#d55e00", "5 3", "square"))


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def _x(i: int, n: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (i / max(n - 1, 1))


def _y(v: float) -> float:
    v = min(max(v, 0.0), 1.0)
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - v)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 2.5:.1f}" y="{y - 2.5:.1f}" width="5" height="5" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>'


def accuracy_chart(title: str, series: Sequence[Series], x_label: str = "epoch") -> str:
    """An SVG chart of accuracies in [0, 1] against the index (epoch 0 first)."""
    n = max((len(s.values) for s in series), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" class="chart" font-size="11" fill="currentColor">',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + escape(
            "; ".join(
                f"{s.label}: {s.values[0]:.2f} at epoch 0, {s.values[-1]:.2f} at epoch "
                f"{len(s.values) - 1}"
                for s in series
                if s.values
            )
        )
        + "</desc>",
        f'<text x="{WIDTH / 2}" y="14" text-anchor="middle" font-weight="600">'
        f"{escape(title)}</text>",
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
        )
        parts.append(f'<text x="{LEFT - 5}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    step = 5 if n > 12 else 1
    for i in range(0, n, step):
        x = _x(i, n)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{i}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - BOTTOM + 28}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="currentColor"/>'
    )
    for k, s in enumerate(series):
        colour, dash, marker = STYLES[k % len(STYLES)]
        points = " ".join(f"{_x(i, n):.1f},{_y(v):.1f}" for i, v in enumerate(s.values))
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>'
        )
        every = max(len(s.values) // 10, 1)
        for i in range(0, len(s.values), every):
            parts.append(_marker(marker, _x(i, n), _y(s.values[i]), colour))
        # Legend, under the axis label.
        lx = LEFT + k * (WIDTH - LEFT) / 2
        ly = HEIGHT - 4
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 18:.1f}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"{dashing}/>'
        )
        parts.append(_marker(marker, lx + 9, ly - 4, colour))
        parts.append(f'<text x="{lx + 22:.1f}" y="{ly}">{escape(s.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
