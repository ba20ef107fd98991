"""Bar charts drawn on the server as SVG: no CDN, no JavaScript, readable in print."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bars(rows: Sequence[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """A horizontal bar chart laid out right to left (labels on the right)."""
    rows = [(label or "—", value) for label, value in rows]
    # A narrow canvas, so that on a 360 px phone the text is drawn near its real size.
    width, label_w, bar_h, gap = 400, 165, 22, 8
    height = 30 + len(rows) * (bar_h + gap)
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_w - 50
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
              f'viewBox="0 0 {width} {height}" width="100%" direction="ltr" '
              f'aria-label="{escape(title)}"><title>{escape(title)}</title>')]
    for i, (label, value) in enumerate(rows):
        y = 20 + i * (bar_h + gap)
        length = max(span * value / top, 1 if value else 0)
        x = width - label_w - length
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{width - 4}" y="{y + 16}" text-anchor="end" font-size="14">'
            f'{escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="#0b6e4f"/>'
            f'<text x="{x - 6:.1f}" y="{y + 16}" text-anchor="end" font-size="13">'
            f'{escape(shown)}</text>')
    if not rows:
        parts.append(f'<text x="{width // 2}" y="24" text-anchor="middle" font-size="14">لا توجد بيانات</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text part above is escaped
