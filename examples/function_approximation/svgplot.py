"""A dependency-free SVG plot of a target function (line) and a network's output (dots)."""

from __future__ import annotations

import html

WIDTH, HEIGHT, PAD = 480, 300, 36


def write(path: str, points: list[tuple[float, float, float]], title: str) -> None:
    """Write ``points`` (x, target, output) as an SVG file: the target in blue, the output as red dots."""
    values = [v for _, y, o in points for v in (y, o)]
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def px(x: float) -> float:
        return PAD + x * (WIDTH - 2 * PAD)

    def py(y: float) -> float:
        return HEIGHT - PAD - (y - low) / span * (HEIGHT - 2 * PAD)

    line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y, _ in points)
    dots = "".join(
        f'<circle cx="{px(x):.1f}" cy="{py(o):.1f}" r="2.2" fill="#d62728"/>' for x, _, o in points
    )
    axes = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>'
        f'<text x="{PAD}" y="{HEIGHT - 12}" font-size="11">0</text>'
        f'<text x="{WIDTH - PAD - 6}" y="{HEIGHT - 12}" font-size="11">1</text>'
        f'<text x="4" y="{py(high) + 4:.1f}" font-size="11">{high:.2f}</text>'
        f'<text x="4" y="{py(low) + 4:.1f}" font-size="11">{low:.2f}</text>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
        f'<text x="{WIDTH / 2}" y="20" font-size="13" text-anchor="middle">{html.escape(title)}</text>{axes}'
        f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>{dots}</svg>\n'
    )
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg)
