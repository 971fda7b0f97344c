"""Tiny server-side SVG charts: plain markup, no script, no CSS variables, so browsers, print and WeasyPrint agree.

Each helper returns a ``SafeString`` holding one ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
(the figures as text, for screen readers) and its labels drawn as SVG text, so a printed page needs no legend
elsewhere. Every string that comes from data goes through ``format_html``/``escape``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

FONT = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'Source Han Sans SC', sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
LINE = "#d0d7de"
EMPTY = "#eaeef2"
# Dark and light tones alternate so neighbouring parts stay apart when printed in grey.
PALETTE = ("#a4161a", "#f4b6b8", "#1a7f37", "#fff1c2", "#0b57d0", "#9a6700", "#57606a", "#c9d1d9")


def _ident(ident: str) -> str:
    return "chart-" + (re.sub(r"[^A-Za-z0-9_-]", "-", ident) or "x")


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _svg(*, ident: str, title: str, desc: str, width: int, height: int, body: SafeString) -> SafeString:
    ident = _ident(ident)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{i}-title {i}-desc" font-family="{font}" font-size="13" fill="{ink}">'
        '<title id="{i}-title">{title}</title><desc id="{i}-desc">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        i=ident,
        font=FONT,
        ink=INK,
        title=title,
        desc=desc,
        body=body,
    )


def percent(part: int, whole: int) -> int | None:
    """Whole-number percentage, None when there is nothing to divide by (shown as a dash, not as 0 %)."""
    return round(100 * part / whole) if whole else None


def bar_chart(
    items: Sequence[tuple[str, int]], *, title: str, ident: str, width: int = 640, height: int = 220
) -> SafeString:
    """Vertical bars with the value above each bar and the label below it (e.g. contacts per month)."""
    top, bottom, side = 22, 26, 6
    plot_h = height - top - bottom
    slot = (width - 2 * side) / max(len(items), 1)
    peak = max((value for _label, value in items), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        bar_h = plot_h * value / peak
        x = side + i * slot
        mid = x + slot / 2
        parts.append(
            format_html(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>'
                '<text x="{mid}" y="{vy}" text-anchor="middle">{value}</text>'
                '<text x="{mid}" y="{ly}" text-anchor="middle" fill="{muted}">{label}</text>',
                x=_num(x + slot * 0.15),
                y=_num(top + plot_h - bar_h),
                w=_num(slot * 0.7),
                h=_num(bar_h),
                fill=PALETTE[0],
                mid=_num(mid),
                vy=_num(top + plot_h - bar_h - 5),
                value=value,
                ly=height - 8,
                muted=MUTED,
                label=label,
            )
        )
    baseline = format_html(
        '<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{line}"/>',
        x1=side,
        x2=width - side,
        y=top + plot_h,
        line=MUTED,
    )
    desc = format_html_join("; ", "{}: {}", items)
    return _svg(ident=ident, title=title, desc=desc, width=width, height=height, body=_join([baseline, *parts]))


def stacked_bar(
    parts: Sequence[tuple[str, int]], *, title: str, ident: str, width: int = 640, empty_label: str = "—"
) -> SafeString:
    """One horizontal bar split in proportion to ``parts``, with a legend "label value (n%)" below it.

    Also the percentage bar for a single share: pass the share and the rest as two parts.
    """
    bar_h, row_h = 26, 22
    total = sum(value for _label, value in parts)
    height = bar_h + 10 + row_h * len(parts)
    pieces: list[SafeString] = []
    if total:
        x = 0.0
        for i, (_label, value) in enumerate(parts):
            w = width * value / total
            if w:
                pieces.append(
                    format_html(
                        '<rect x="{x}" y="0" width="{w}" height="{h}" fill="{fill}"/>',
                        x=_num(x),
                        w=_num(w),
                        h=bar_h,
                        fill=PALETTE[i % len(PALETTE)],
                    )
                )
            x += w
    else:
        pieces.append(
            format_html(
                '<rect x="0" y="0" width="{w}" height="{h}" fill="{fill}" stroke="{line}"/>'
                '<text x="{mid}" y="18" text-anchor="middle" fill="{muted}">{label}</text>',
                w=width,
                h=bar_h,
                fill=EMPTY,
                line=LINE,
                mid=width // 2,
                muted=MUTED,
                label=empty_label,
            )
        )
    legend = []
    for i, (label, value) in enumerate(parts):
        y = bar_h + 10 + i * row_h
        share = percent(value, total)
        legend.append(
            format_html(
                '<rect x="0" y="{y}" width="14" height="14" fill="{fill}" stroke="{line}"/>'
                '<text x="20" y="{ty}">{label} {value}{share}</text>',
                y=y,
                ty=y + 12,
                fill=PALETTE[i % len(PALETTE)],
                line=MUTED,
                label=label,
                value=value,
                share="" if share is None else f"（{share}%）",
            )
        )
    desc = format_html_join("; ", "{}: {}", parts)
    body = _join([*pieces, *legend])
    return _svg(ident=ident, title=title, desc=desc, width=width, height=height, body=body)


def share_bar(*, value: int, total: int, label: str, rest_label: str, title: str, ident: str, **kwargs) -> SafeString:
    """A percentage bar: ``value`` out of ``total`` (e.g. face-to-face contacts among all contacts)."""
    return stacked_bar([(label, value), (rest_label, max(total - value, 0))], title=title, ident=ident, **kwargs)
