"""Render an Azure Monitor workbook's layout with sample data: HTML with inline SVG, then a Chromium screenshot.

    .venv/bin/python tools/render_workbook.py workbook.json out.png   # a workbook's serializedData
    .venv/bin/python tools/render_workbook.py --stack dev out.png     # the workbook the stack's plan declares

Every query panel is drawn from rows made up from the query's own column names (seeded by the query, so the
picture is the same on every run) and captioned "sample data": it shows the layout, never real numbers.
Needs Debian's ``chromium`` for the PNG; ``--html page.html`` keeps the page too. Nothing is fetched: no CDN.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import random
import re
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cmarkgfm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: ``tools`` is not a package
from tools.render_comment import chromium  # noqa: E402

WORKBOOK_TYPE = "azure-native:applicationinsights:Workbook"
TEXT, QUERY, PARAMETERS, GROUP = 1, 3, 9, 12
CHARTS = ("timechart", "linechart", "areachart", "barchart", "unstackedbar", "categoricalbar", "piechart")
PAGE_WIDTH = 1200
WINDOW_WIDTH = PAGE_WIDTH + 80  # 1280: the page, centred, with a margin either side
MEASURE = "<script>document.title = 'height ' + document.documentElement.scrollHeight</script>"
PALETTE = ("#0078d4", "#e3008c", "#00a36c", "#ff8c00", "#8764b8", "#038387", "#c239b3", "#986f0b")
STYLE = (
    """
body { font: 14px/1.45 "Segoe UI", -apple-system, Helvetica, Arial, sans-serif; color: #323130; background: #faf9f8;
       margin: 16px auto; }
.items { display: flex; flex-wrap: wrap; gap: 12px; }
.item { box-sizing: border-box; flex: 0 0 100%; }
.panel { background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; padding: 10px 14px; }
.panel h3 { margin: 0 0 6px; font-size: 15px; font-weight: 600; }
.panel h3.untitled { font-size: 12px; font-weight: 400; color: #8a8886; }
.caption { float: right; font-size: 11px; color: #a4262c; border: 1px solid #f1bbbc; border-radius: 9px;
           padding: 0 8px; background: #fdf3f4; }
.text h1 { font-size: 22px; margin: 4px 0; } .text h2 { font-size: 18px; margin: 4px 0; } .text p { margin: 4px 0; }
.pills { display: flex; flex-wrap: wrap; gap: 8px; }
.pill { border: 1px solid #8a8886; border-radius: 14px; padding: 2px 12px; background: #fff; font-size: 13px; }
.pill b { font-weight: 600; margin-right: 4px; }
.group { border-left: 3px solid #c8c6c4; padding-left: 10px; }
.group > h3 { margin: 4px 0 8px; font-size: 16px; }
table.rows { border-collapse: collapse; width: 100%; font-size: 13px; }
table.rows th { text-align: left; border-bottom: 2px solid #e1dfdd; padding: 4px 8px; }
table.rows td { border-bottom: 1px solid #f3f2f1; padding: 3px 8px; }
table.rows td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f3f2f1; border-radius: 3px; padding: 0 4px; font-size: 90%; }
.banner { margin: 0 0 12px; padding: 6px 12px; background: #fff4ce; border: 1px solid #f3d78b; border-radius: 4px;
          font-size: 13px; }
.other { color: #605e5c; font-style: italic; }
"""
    + f"body {{ width: {PAGE_WIDTH}px; }}"
)

# Sample values for the dimension columns this project's queries use; any other column gets "<name> 1..n".
VOCABULARY = {
    "team": ["fraud-detect", "support-bot", "search", "marketing"],
    "model": ["gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-large"],
    "deployment": ["gpt-4o-eus2", "gpt-4o-mini-swc", "o3-mini-eus2", "embed-large-eus2"],
    "alias": ["chat-default", "chat-fast", "reasoning"],
    "backend": ["aoai-eastus2", "aoai-swedencentral", "aoai-westus3"],
    "status": ["429", "500", "503"],
    "code": ["429", "500", "503"],
    "region": ["eastus2", "swedencentral", "westus3"],
    "api": ["openai", "openai-v1", "embeddings"],
    "operation": ["ChatCompletions_Create", "Embeddings_Create", "Responses_Create"],
}
TIME_NAMES = ("timegenerated", "timestamp", "time", "day", "date", "month", "week", "hour")
NUMBER_HINTS = (
    "token",
    "cost",
    "count",
    "usd",
    "requests",
    "calls",
    "percent",
    "pct",
    "total",
    "sum",
    "avg",
    "max",
    "min",
    "quota",
    "budget",
    "trips",
    "failover",
    "errors",
    "used",
    "limit",
    "price",
    "rate",
)
KEEPS_NAME = ("bin", "floor", "startofday", "startofmonth", "startofweek", "tostring", "toint", "tolong", "todouble")
NUMERIC_FUNCTIONS = (
    "sum",
    "sumif",
    "count",
    "countif",
    "dcount",
    "dcountif",
    "avg",
    "avgif",
    "percentile",
    "round",
    "coalesce",
    "toreal",
    "real",
    "long",
    "int",
    "abs",
    "log",
    "exp",
    "pow",
    "sqrt",
    "stdev",
)
AGGREGATE = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$", re.S)


# --- columns from a query --------------------------------------------------------------------------------------


def scan(text: str):
    """Each character of KQL outside string literals and comments, with its bracket depth: (index, char, depth)."""
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            verbatim = i > 0 and text[i - 1] == "@"  # @"..." has no escapes
            i += 1
            while i < len(text) and text[i] != ch:
                i += 1 if verbatim or text[i] != "\\" else 2
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = newline if newline >= 0 else len(text)
            continue
        else:
            depth += ch in "([{"
            depth -= ch in ")]}"
            yield i, ch, depth
        i += 1


def top_level_split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets, string literals and comments (KQL's pipes and commas)."""
    cuts = [i for i, ch, depth in scan(text) if ch == sep and depth == 0]
    return [text[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(text)], strict=True)]


def column_name(expr: str) -> str:
    """The column an expression becomes: ``X = ...`` names it; ``sum(TotalTokens)`` is ``sum_TotalTokens``;
    ``bin(TimeGenerated, 1d)`` keeps its column's name, as Kusto does."""
    expr = expr.strip()
    named = re.match(r"^(\w+)\s*=(?!=)", expr)
    if named:
        return named.group(1)
    call = AGGREGATE.match(expr)
    if call:
        fn, args = call.group(1), [a.strip() for a in top_level_split(call.group(2), ",")]
        if fn in KEEPS_NAME:
            return column_name(args[0])
        first = re.sub(r"\W+", "_", args[0]).strip("_") if args and args[0] else ""
        return f"{fn}_{first}"
    return re.sub(r"\W+", "_", expr).strip("_") or "Column"


def kind_of_expression(expr: str, known: dict[str, str], aggregate: bool = False) -> str:
    """ "time", "number" or "category" for what an expression computes: a column keeps its kind, an aggregate or
    arithmetic is a number, ``bin``/``startofmonth`` of a time is a time; else the name decides."""
    name = column_name(expr)
    body = re.sub(r"^\s*\w+\s*=(?!=)", "", expr).strip()
    if re.fullmatch(r"\w+", body):
        return known.get(body, kind_of(body))
    call = AGGREGATE.match(body)
    if call:
        fn, args = call.group(1).lower(), top_level_split(call.group(2), ",")
        if fn in KEEPS_NAME or fn in ("max", "min", "any", "take_any", "arg_max", "arg_min"):
            return kind_of_expression(args[0], known, aggregate) if args[0].strip() else "number"
        if fn.startswith(("startof", "endof", "datetime", "now", "ago", "todatetime")):
            return "time"
        if fn in ("tostring", "strcat", "extract", "tolower", "toupper", "substring"):
            return "category"
        if aggregate or fn in NUMERIC_FUNCTIONS:
            return "number"
    if any(ch in "*/" for _, ch, _ in scan(body)):
        return "number"
    return "number" if aggregate else kind_of(name)


def typed_columns(query: str) -> dict[str, str]:
    """The columns a query ends with and their kinds, from its ``summarize``/``project``/``extend`` steps (a
    heuristic, not a parser: what it cannot follow it leaves as it was)."""
    cols: dict[str, str] = {}
    for step in top_level_split(query, "|")[1:]:
        op, _, rest = step.strip().partition(" ")
        exprs = [e for e in top_level_split(rest, ",") if e.strip()]
        if op in ("summarize", "make-series"):
            aggs, by = (re.split(r"\bby\b", rest, maxsplit=1) + [""])[:2]
            if op == "make-series":
                by = re.split(r"\b(?:on|from|to|step)\b", by)[0]
            new = {column_name(e): kind_of_expression(e, cols) for e in top_level_split(by, ",") if e.strip()}
            new |= {
                column_name(e): kind_of_expression(e, cols, aggregate=True)
                for e in top_level_split(re.split(r"\bon\b", aggs)[0], ",")
                if e.strip()
            }
            cols = new
        elif op in ("project", "project-reorder"):
            cols = {column_name(e): kind_of_expression(e, cols) for e in exprs}
        elif op == "extend":
            cols |= {column_name(e): kind_of_expression(e, cols) for e in exprs}
        elif op == "project-away":
            cols = {c: k for c, k in cols.items() if c not in {e.strip() for e in exprs}}
        elif op == "count":
            cols = {"Count": "number"}
    return cols or {"Name": "category", "Value": "number"}


def columns_of(query: str) -> list[str]:
    return list(typed_columns(query))


def kind_of(column: str) -> str:
    """ "time", "number" or "category", from the name alone."""
    low = column.lower()
    if low in TIME_NAMES or low.startswith(("bin_", "startof")) or low.endswith(("time", "date", "day", "month")):
        return "time"
    if re.match(r"^(sum|count|avg|max|min|dcount|percentile\w*|countif|sumif)_", low) or any(
        h in low for h in NUMBER_HINTS
    ):
        return "number"
    return "category"


# --- sample rows ------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    columns: list[str]
    kinds: list[str]
    rows: list[list[Any]]

    def first(self, kind: str, skip: int = 0) -> int | None:
        found = [i for i, k in enumerate(self.kinds) if k == kind]
        return found[skip] if len(found) > skip else None


def values_for(column: str, n: int) -> list[str]:
    low = column.lower()
    for key, words in VOCABULARY.items():
        if key in low:
            return words[:n]
    return [f"{column} {i + 1}" for i in range(n)]


def sample(query: str, visualization: str) -> Sample:
    """Rows for a query, the same on every run (seeded by the query): a week of days for a time series, every
    pair of the first two dimensions otherwise."""
    typed = typed_columns(query)
    cols, kinds = list(typed), list(typed.values())
    if "number" not in kinds:
        cols, kinds = [*cols, "Value"], [*kinds, "number"]
    rng = random.Random(zlib.crc32(query.encode()))
    dims = [i for i, k in enumerate(kinds) if k == "category"][:2]
    axes: list[list[str]] = [values_for(cols[i], 4 if j == 0 else 3) for j, i in enumerate(dims)]
    time_i = kinds.index("time") if "time" in kinds else None
    monthly = time_i is not None and "month" in cols[time_i].lower()
    days = (
        ([f"2026-{m:02d}-01" for m in (9, 10, 11)] if monthly else [f"2026-11-{d:02d}" for d in range(14, 21)])
        if time_i is not None or visualization == "timechart"
        else [""]
    )
    if visualization in ("timechart", "linechart", "areachart") and time_i is None:
        cols, kinds, time_i = ["TimeGenerated", *cols], ["time", *kinds], 0
        dims = [i + 1 for i in dims]
    combos: list[list[str]] = [[]]
    for axis in axes:
        combos = [[*c, v] for c in combos for v in axis]
    rows = []
    for day in days:
        for combo in combos:
            row: list[Any] = []
            for i, k in enumerate(kinds):
                if i == time_i:
                    row.append(day)
                elif i in dims:
                    row.append(combo[dims.index(i)])
                elif k == "number" and re.search(r"(pct|percent)$", cols[i].lower()):
                    row.append(round(rng.uniform(5, 99), 1))
                elif k == "number":
                    row.append(round(rng.uniform(2, 100) ** 2 * (10 if "token" in cols[i].lower() else 1)))
                else:
                    row.append(values_for(cols[i], 1)[0])
            rows.append(row)
    return Sample(cols, kinds, rows)


# --- SVG --------------------------------------------------------------------------------------------------------


def short(n: float) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}"
    return f"{n:.3g}"


def nice_max(top: float, ticks: int = 4) -> float:
    """The smallest ``ticks`` round steps (1, 2, 2.5 or 5 times a power of ten) that reach ``top``."""
    raw = top / ticks if top > 0 else 1
    power = 10 ** math.floor(math.log10(raw))
    return ticks * next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def legend(names: list[str], x: float, y: float) -> str:
    out = []
    for i, name in enumerate(names):
        out.append(
            f'<rect x="{x}" y="{y + i * 18 - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 15}" y="{y + i * 18}">{html.escape(name)}</text>'
        )
    return "".join(out)


def series(s: Sample, over_time: bool) -> tuple[list[str], list[str], dict[str, list[float]]]:
    """x labels, series names and series -> value per x label, summed over the rest: x is the time column (over
    time) or the first dimension, series the (next) dimension, the value the first number."""
    order = ("time", "category") if over_time else ("category", "time")
    x_i = s.first(order[0]) if s.first(order[0]) is not None else s.first(order[1])
    sub = s.first("category", 1 if x_i is not None and s.kinds[x_i] == "category" else 0)
    y_i = s.first("number")
    xs = list(dict.fromkeys(str(r[x_i]) for r in s.rows)) if x_i is not None else [""]
    names = list(dict.fromkeys(str(r[sub]) for r in s.rows)) if sub is not None else [s.columns[y_i]]
    values = {n: [0.0] * len(xs) for n in names}
    for r in s.rows:
        name = str(r[sub]) if sub is not None else s.columns[y_i]
        values[name][xs.index(str(r[x_i])) if x_i is not None else 0] += r[y_i]
    return xs, names, values


def svg(width: int, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Segoe UI, Helvetica, Arial, sans-serif" font-size="12" '
        f'fill="#323130">{body}</svg>'
    )


def axes(w: int, h: int, left: int, right: int, top_value: float, ylabel: str) -> tuple[str, float]:
    """Gridlines and y ticks; returns the SVG and the value at the top of the plot."""
    vmax = nice_max(top_value)
    out = []
    for i in range(5):
        v = vmax * i / 4
        y = h - 30 - (h - 50) * i / 4
        out.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y}" y2="{y}" stroke="#edebe9"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{short(v)}</text>'
        )
    out.append(f'<text x="{left}" y="12" fill="#605e5c">{html.escape(ylabel)}</text>')
    return "".join(out), vmax


def chart(s: Sample, visualization: str, width: int) -> str:
    over_time = visualization in ("timechart", "linechart", "areachart")
    xs, names, values = series(s, over_time)
    # the legend sits right of the plot, as wide as its longest name (12px text is about 7px a character)
    h, left, right = 280, 56, min(max(40 + 7 * max(map(len, names)), 100), 240)
    if visualization == "piechart":
        totals = [sum(values[n]) if len(names) > 1 else 0 for n in names]
        labels = names
        if len(names) == 1:
            labels, totals = xs, values[names[0]]
        total = sum(totals) or 1
        cx, cy, r, angle, out = 140, h / 2, 110, -math.pi / 2, []
        for i, v in enumerate(totals):
            end = angle + 2 * math.pi * v / total
            large = 1 if end - angle > math.pi else 0
            p1 = (cx + r * math.cos(angle), cy + r * math.sin(angle))
            p2 = (cx + r * math.cos(end), cy + r * math.sin(end))
            out.append(
                f'<path d="M{cx},{cy} L{p1[0]:.1f},{p1[1]:.1f} A{r},{r} 0 {large} 1 {p2[0]:.1f},{p2[1]:.1f} Z"'
                f' fill="{PALETTE[i % len(PALETTE)]}" stroke="#fff"/>'
            )
            angle = end
        shares = [f"{n}  {100 * v / total:.0f}%" for n, v in zip(labels, totals, strict=True)]
        return svg(width, h, "".join(out) + legend(shares, 290, 40))
    plot_w = width - left - right
    if over_time:
        grid, vmax = axes(width, h, left, right, max(max(v) for v in values.values()), s.columns[s.first("number")])
        step = plot_w / max(len(xs) - 1, 1)
        out = [grid]
        for i, n in enumerate(names):
            pts = " ".join(f"{left + j * step:.1f},{h - 30 - (h - 50) * v / vmax:.1f}" for j, v in enumerate(values[n]))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2"/>')
        out += [
            f'<text x="{left + j * step:.1f}" y="{h - 12}" text-anchor="middle">{html.escape(x[5:])}</text>'
            for j, x in enumerate(xs)
        ]
        return svg(width, h, "".join(out) + legend(names, width - right + 16, 40))
    stacked = visualization != "unstackedbar"
    tops = (
        [sum(values[n][j] for n in names) for j in range(len(xs))]
        if stacked
        else [max(values[n][j] for n in names) for j in range(len(xs))]
    )
    grid, vmax = axes(width, h, left, right, max(tops), s.columns[s.first("number")])
    slot = plot_w / len(xs)
    across = 1 if stacked else len(names)
    bar = min(slot * 0.6 / across, 64)  # a few categories on a wide panel: bars, not walls
    out = [grid]
    for j, x in enumerate(xs):
        base = h - 30.0
        for i, n in enumerate(names):
            bh = (h - 50) * values[n][j] / vmax
            bx = left + j * slot + (slot - bar * across) / 2 + (0 if stacked else i * bar)
            out.append(
                f'<rect x="{bx:.1f}" y="{base - bh:.1f}" width="{bar:.1f}" height="{bh:.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            )
            base = base - bh if stacked else base
        out.append(f'<text x="{left + (j + 0.5) * slot:.1f}" y="{h - 12}" text-anchor="middle">{html.escape(x)}</text>')
    return svg(width, h, "".join(out) + legend(names, width - right + 16, 40))


def table(s: Sample, limit: int = 10) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{v:,}</td>' if k == "number" else f"<td>{html.escape(str(v))}</td>"
            for v, k in zip(r, s.kinds, strict=True)
        )
        + "</tr>"
        for r in s.rows[:limit]
    )
    more = f'<p class="other">… {len(s.rows) - limit} more rows</p>' if len(s.rows) > limit else ""
    return f'<table class="rows"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'


def tiles(s: Sample) -> str:
    xs, names, values = series(s, over_time=False)
    cells = "".join(
        f'<div class="pill"><b>{html.escape(x or names[0])}</b>{short(sum(values[n][j] for n in names))}</div>'
        for j, x in enumerate(xs)
    )
    return f'<div class="pills">{cells}</div>'


# --- items ------------------------------------------------------------------------------------------------------


def duration(ms: int) -> str:
    days, hours = ms // 86_400_000, ms // 3_600_000
    return f"Last {days} days" if days > 1 else f"Last {hours} hours" if hours > 1 else f"Last {ms // 60_000} minutes"


def parameter_value(p: dict) -> str:
    value = p.get("value")
    if isinstance(value, dict) and "durationMs" in value:
        return duration(int(value["durationMs"]))
    if value in (None, "", []):
        return "(not set)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def width_of(item: dict, available: int) -> tuple[str, int]:
    """The item's flex style and the width inside its panel (14px padding and a border either side): a workbook
    lays items side by side by ``customWidth`` (percent)."""
    try:
        pct = float(item.get("customWidth", 100))
    except (TypeError, ValueError):
        pct = 100.0
    if pct >= 100:
        return "", available - 30
    gap = 12 * (1 - pct / 100)  # the row's 12px gaps shared out, so that 50 + 50 fills the row exactly
    return f' style="flex: 0 0 calc({pct:g}% - {gap:g}px)"', int(available * pct / 100 - gap) - 30


def item_html(item: dict, available: int = PAGE_WIDTH) -> str:
    kind, content, name = item.get("type"), item.get("content") or {}, item.get("name", "")
    style, width = width_of(item, available)
    attrs = f'class="item {{}}" data-name="{html.escape(name)}"{style}'
    if kind == TEXT:
        body = cmarkgfm.github_flavored_markdown_to_html(content.get("json", ""))
        return f"<section {attrs.format('text')}>{body}</section>"
    if kind == PARAMETERS:
        pills = "".join(
            f'<span class="pill"><b>{html.escape(p.get("label") or p.get("name", ""))}:</b>'
            f"{html.escape(parameter_value(p))}</span>"
            for p in content.get("parameters", [])
        )
        return f'<section {attrs.format("parameters")}><div class="pills">{pills}</div></section>'
    if kind == GROUP:
        inner = "".join(item_html(i, width + 30 - 13) for i in content.get("items", []))  # less its 13px rule
        title = content.get("title")
        head = f"<h3>{html.escape(title)}</h3>" if title else ""
        return f'<section {attrs.format("group")}>{head}<div class="items">{inner}</div></section>'
    if kind == QUERY:
        viz = content.get("visualization") or "table"
        s = sample(content.get("query", ""), viz)
        drawn = chart(s, viz, width) if viz in CHARTS else tiles(s) if viz == "tiles" else table(s)
        # an untitled item shows no header in the portal: its item name, muted, says which one this is
        title = (
            f"<h3>{html.escape(content['title'])}</h3>"
            if content.get("title")
            else f'<h3 class="untitled">{html.escape(name or "query")}</h3>'
        )
        return (
            f'<section {attrs.format("panel query")} data-visualization="{html.escape(viz)}">'
            f'<span class="caption">sample data</span>{title}{drawn}</section>'
        )
    return (
        f"<section {attrs.format('panel other')}><h3>{html.escape(name or 'item')}</h3>"
        f'<p class="other">Item type {kind} is not drawn here.</p></section>'
    )


def page(workbook: dict) -> str:
    """The whole workbook as one HTML page, ``PAGE_WIDTH`` wide."""
    items = "".join(item_html(i) for i in workbook.get("items", []))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>workbook</title><style>{STYLE}</style>"
        f"</head><body><p class='banner'>Layout preview of the workbook: every chart and table is drawn from"
        f" generated <b>sample data</b>, not from any workspace.</p><div class='items'>{items}</div></body></html>"
    )


def load(data: str | dict) -> dict:
    """serializedData as Azure holds it (a JSON string) or already parsed; refuses what is not a workbook."""
    workbook = json.loads(data) if isinstance(data, str) else data
    if not isinstance(workbook, dict) or not isinstance(workbook.get("items"), list):
        raise ValueError("not a workbook: serializedData has no 'items' list")
    return workbook


class NoWorkbook(Exception):
    """The plan declares no workbook."""


def from_resources(resources: list, stack: str) -> dict:
    """The serializedData of the (first) workbook a plan registers."""
    found = [r for r in resources if r.type == WORKBOOK_TYPE]
    if not found:
        raise NoWorkbook(f"the plan of stack '{stack}' registers no {WORKBOOK_TYPE} resource: nothing to render")
    data = found[0].inputs.get("serializedData")
    if not isinstance(data, str | dict):
        raise NoWorkbook(f"the workbook '{found[0].name}' of stack '{stack}' has no known serializedData ({data!r})")
    return load(data)


def from_stack(stack: str) -> dict:
    from infra.plan import UsageError, make_plan

    try:
        plan = make_plan(stack)
    except UsageError as exc:  # an unknown stack
        raise NoWorkbook(str(exc)) from exc
    if not plan.ok:
        raise NoWorkbook(f"stack '{stack}' does not plan: " + "; ".join(d.message for d in plan.diagnostics[:3]))
    return from_resources(plan.resources, stack)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", type=Path, nargs="?", help="a workbook's serializedData (JSON)")
    ap.add_argument("png", type=Path)
    ap.add_argument("--stack", help="render the workbook this stack's offline plan declares instead")
    ap.add_argument("--height", type=int, default=0, help="screenshot height (default: from the page's items)")
    ap.add_argument("--html", type=Path, help="also keep the HTML page here")
    args = ap.parse_args(argv)
    if (args.stack is None) == (args.workbook is None):
        ap.error("give either a workbook JSON file or --stack STACK, and the PNG to write")
    try:
        workbook = from_stack(args.stack) if args.stack else load(args.workbook.read_text())
    except (NoWorkbook, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # not beside the PNG by default: docs/ keeps the screenshot, not the page it was taken from
    out = args.html or Path(tempfile.mkdtemp()) / "workbook.html"
    out.write_text(page(workbook).replace("</body>", f"{MEASURE}</body>"))
    if shutil.which("chromium") is None:
        print(f"error: wrote {out}, but the PNG needs Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    height = args.height or measured_height(out)
    shot = chromium(f"--screenshot={args.png}", f"--window-size={WINDOW_WIDTH},{height}", out.as_uri())
    if not args.png.exists():
        print(shot.stderr, file=sys.stderr)
        return 1
    print(f"{args.png} ({WINDOW_WIDTH}x{height}) and {out}")
    return 0


def measured_height(page_file: Path) -> int:
    """The page's own height, which ``MEASURE`` puts in its title: the screenshot then ends where the page does."""
    dom = chromium("--dump-dom", f"--window-size={WINDOW_WIDTH},800", page_file.as_uri()).stdout
    found = re.search(r"<title>height (\d+)</title>", dom)
    return int(found.group(1)) if found else 2400


if __name__ == "__main__":
    sys.exit(main())
