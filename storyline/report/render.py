"""Reports as Markdown and as one self-contained HTML file.

The HTML page carries its CSS inline, has no script at all and loads nothing from
outside, so it opens offline straight from disk. Every piece of article text and
metadata (titles, outlets, speakers, quotes, entity names) is escaped with
``html.escape`` before it reaches the page; the Markdown output escapes ``<``,
``>`` and ``&`` too, so a Markdown viewer cannot turn article text into markup.
Summary sentences, discrepancies, unique angles and quotes link to the article
appendix, where the span they come from is highlighted with ``<mark>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..model import Span
from .build import EventReport
from .claims import first_label, outlet_of
from .timeline import year_unknown

__all__ = ["render_html", "render_markdown"]


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----------------------------------------------------------------------------- Markdown


def _md(value: object) -> str:
    """Plain text for Markdown: no markup survives, tables stay tables."""
    text = html.escape(" ".join(str(value or "").split()), quote=False)
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def _code(value: object) -> str:
    """Text inside a Markdown code span, where a backslash is printed as it is: no escapes, no backtick."""
    return " ".join(str(value or "").split()).replace("`", "'")


def _md_span(span: Span) -> str:
    return f"`{span.article_id}:{span.start}-{span.end}`"


def render_markdown(reports: Iterable[EventReport]) -> str:
    out: list[str] = []
    for r in reports:
        out += _markdown_event(r)
    return "\n".join(out).rstrip() + "\n"


def _markdown_event(r: EventReport) -> list[str]:
    lines = [f"# {_md(r.title or r.event_id)}", ""]
    days = [a.published[:10] for a in r.articles if a.published]
    span = f", {days[0]} – {days[-1]}" if days else ""
    lines += [f"{_md(r.coverage_phrase())}{span}. Event id `{_code(r.event_id)}`.", ""]
    lines += ["## Summary", ""]
    for k, s in enumerate(r.summary, 1):
        by = f" by {_md(', '.join(s.disputing_outlets))}" if s.disputing_outlets else ""
        flag = f" **disputed**{by} ({', '.join(s.disputed_by)})" if s.disputed_by else ""
        lines.append(f"{k}. {_md(s.span.text)} — *{_md(', '.join(s.outlets))}* {_md_span(s.span)}{flag}")
    lines += ["", "Lead-3 baseline (first sentences of the earliest article):", ""]
    lines += [f"{k}. {_md(s.text)} {_md_span(s)}" for k, s in enumerate(r.lead3, 1)]
    lines += ["", "## Where the outlets disagree", ""]
    if not r.discrepancies:
        lines.append("No disagreement found.")
    for d in r.discrepancies:
        sides = "; ".join(
            f"**{_md(side.value)}** — {_md(', '.join(side.outlets))}"
            + (f" (\"{_md(_short(side.value_spans[0].text, 40))}\" {_md_span(side.spans[0])})" if side.spans else "")
            for side in d.sides)
        lines.append(f"- {_md(d.kind)} — {_md(d.description)}: {sides}")
    lines += ["", "## Coverage", ""]
    shared = [g for g in r.claim_groups if len(g.outlets) > 1]
    claims = {c.id: c for c in r.claims}
    if shared:
        lines.append("| claim | first | " + " | ".join(_md(o) for o in r.coverage.outlets) + " |")
        lines.append("|---|---|" + "---|" * len(r.coverage.outlets))
        for g in shared:
            first = claims[g.claim_ids[0]]
            cells = ["x" if o in g.outlets else "" for o in r.coverage.outlets]
            who = first_label(g.first_outlets, g.first_outlet)
            lines.append(f"| {_md(_short(first.text, 80))} | {_md(who)} | " + " | ".join(cells) + " |")
    lines += ["", "Claims only one outlet reports: "
              + ", ".join(f"{_md(o.name)} {o.unique_claims}" for o in r.outlets), ""]
    lines += ["## Quotes", ""]
    for g in r.quote_groups:
        label = "unique" if g.unique else f"{len(g.outlets)} outlets"
        lines.append(f"- **{_md(g.speaker or 'unknown speaker')}** ({label})")
        for q in g.quotes:
            outlet = outlet_of(r.article(q.article_id))
            lines.append(f"  - {_md(outlet)}: \"{_md(q.text)}\" {_md_span(Span(q.article_id, q.start, q.end, q.text))}")
    lines += ["", "## What the story rests on", ""]
    lines += [f"- {_md(x.text)}" for x in r.sources.reliance] or ["No cited sources found."]
    lines += ["", "## Unique angles", ""]
    for u in r.unique_angles:
        lines.append(f"- {_md(u.outlet)}: {_md(u.span.text)} {_md_span(u.span)}")
    lines += ["", "## Timeline", ""]
    for t in r.timeline:
        what = "event" if t.kind == "event" else "published"
        said = f" (\"{_md(', '.join(dict.fromkeys(s.text for s in t.spans)))}\")" if t.spans else ""
        lines.append(f"- {_md(t.value)} {what}: {_md(', '.join(t.outlets))}{said}")
    lines += ["", "## Entities", ""]
    for ent in r.entities:
        lines.append(f"- {_md(ent.name)} ({_md(ent.type)}): {ent.mentions} mentions in {len(ent.outlets)} outlets")
    lines.append("")
    return lines


# ----------------------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem 4rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.35rem;border-bottom:2px solid #dde2ea;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
section.event{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:0 1.2rem 1rem;margin:1.5rem 0}
.meta{color:#5b6573;font-size:.9rem}.outlet{display:inline-block;background:#e8eef7;border-radius:3px;padding:0 .35rem;
margin:0 .15rem .1rem 0;font-size:.8rem;color:#234}.disputed{color:#a3300b;font-weight:600;font-size:.85rem}
table{border-collapse:collapse;font-size:.88rem;margin:.4rem 0}td,th{border:1px solid #dde2ea;padding:.25rem .45rem;
vertical-align:top;text-align:left}th{background:#f0f3f7}td.hit{background:#cfe6d4;text-align:center}
td.miss{background:#fbfbfb}.cov th.o{writing-mode:vertical-rl;transform:rotate(180deg);max-height:11rem;font-weight:500}
.quotes{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:.5rem;margin:.3rem 0 1rem}
.quote{border-left:3px solid #7a93b8;background:#f7f9fc;padding:.35rem .6rem;font-size:.9rem}
.article{border-top:1px solid #dde2ea;padding-top:.5rem;margin-top:1rem}.article p{white-space:pre-wrap;margin:.3rem 0}
mark{background:#fff1b8;padding:0 1px}mark:target{background:#ffc84a;outline:2px solid #d99a00}a{color:#1f5fa8}.src{font-size:.8rem;color:#5b6573}
nav ol{margin:.3rem 0}svg text{font:11px system-ui,sans-serif;fill:#1d2430}details summary{cursor:pointer;color:#1f5fa8}
"""


class _Anchors:
    """Anchor ids for spans of one event, and the spans each article must highlight."""

    def __init__(self, event_index: int) -> None:
        self.prefix = f"e{event_index}"
        self.by_article: dict[str, dict[tuple[int, int], str]] = defaultdict(dict)

    def link(self, span: Span) -> str:
        key = (span.start, span.end)
        spans = self.by_article[span.article_id]
        if key not in spans:
            spans[key] = f"{self.prefix}-{_safe(span.article_id)}-{span.start}-{span.end}"
        return spans[key]

    def article_id(self, article_id: str) -> str:
        return f"{self.prefix}-art-{_safe(article_id)}"


def _safe(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", value)[:40]
    if cleaned != value:
        cleaned += "-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:6]
    return cleaned


def render_html(reports: Sequence[EventReport], title: str = "storyline report") -> str:
    reports = list(reports)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # no external assets and no script: the page works offline from disk
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{len(reports)} event{"s" if len(reports) != 1 else ""}. Every summary sentence, '
        "disagreement and quote links to the words it comes from.</p>",
        "<nav><ol>",
    ]
    for i, r in enumerate(reports):
        parts.append(f'<li><a href="#e{i}">{_e(r.title or r.event_id)}</a> '
                     f'<span class="meta">({_e(r.coverage_phrase())}, {len(r.discrepancies)} disagreements)'
                     "</span></li>")
    parts.append("</ol></nav>")
    for i, r in enumerate(reports):
        parts.append(_html_event(i, r))
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _outlets_html(outlets: Iterable[str]) -> str:
    return "".join(f'<span class="outlet">{_e(o)}</span>' for o in outlets)


def _html_event(i: int, r: EventReport) -> str:
    a = _Anchors(i)
    claims = {c.id: c for c in r.claims}
    out = [f'<section class="event" id="e{i}">', f"<h2>{_e(r.title or r.event_id)}</h2>"]
    days = [x.published[:10] for x in r.articles if x.published]
    out.append(f'<p class="meta">{_e(r.coverage_phrase())}'
               f'{(", " + _e(days[0]) + " – " + _e(days[-1])) if days else ""}. Event id <code>{_e(r.event_id)}</code>.'
               "</p>")

    out.append("<h3>Summary</h3><ol>")
    for s in r.summary:
        flag = ""
        if s.disputed_by:
            by = f" by {_e(', '.join(s.disputing_outlets))}" if s.disputing_outlets else ""
            flag = f' <span class="disputed">disputed{by}: ' + ", ".join(
                f'<a href="#e{i}-{_e(d)}">{_e(d)}</a>' for d in s.disputed_by) + "</span>"
        out.append(f'<li><a href="#{a.link(s.span)}">{_e(s.span.text)}</a> {_outlets_html(s.outlets)}{flag}</li>')
    out.append("</ol><details><summary>Lead-3 baseline (first sentences of the earliest article)</summary><ol>")
    out += [f'<li><a href="#{a.link(s)}">{_e(s.text)}</a></li>' for s in r.lead3]
    out.append("</ol></details>")

    out.append("<h3>Where the outlets disagree</h3>")
    if not r.discrepancies:
        out.append("<p>No disagreement found.</p>")
    else:
        out.append("<table><tr><th>kind</th><th>value</th><th>outlets</th><th>where</th></tr>")
        for d in r.discrepancies:
            for k, side in enumerate(d.sides):
                head = (f'<td rowspan="{len(d.sides)}" id="e{i}-{_e(d.id)}"><b>{_e(d.kind)}</b><br>'
                        f'<span class="src">{_e(d.description)}</span></td>') if k == 0 else ""
                where = "<br>".join(
                    f'<a href="#{a.link(sp)}">“{_e(_short(sp.text, 110))}”</a>' for sp in side.spans[:4])
                out.append(f"<tr>{head}<td><b>{_e(side.value)}</b></td><td>{_outlets_html(side.outlets)}</td>"
                           f"<td>{where}</td></tr>")
        out.append("</table>")

    out.append(_coverage_html(r, a, claims))
    out.append(_quotes_html(r, a))

    out.append("<h3>What the story rests on</h3>")
    if r.sources.reliance:
        out.append("<ul>" + "".join(f"<li>{_e(x.text)}</li>" for x in r.sources.reliance) + "</ul>")
    else:
        out.append("<p>No cited sources found.</p>")
    if r.sources.edges:
        out.append(_graph_svg(r))

    out.append("<h3>What only one outlet reports</h3><ul>")
    for u in r.unique_angles:
        out.append(f'<li><span class="outlet">{_e(u.outlet)}</span> <a href="#{a.link(u.span)}">{_e(u.span.text)}</a>'
                   "</li>")
    out.append("</ul>")

    out.append("<h3>Timeline</h3>")
    out.append(_timeline_svg(r))
    out.append("<ul>")
    for t in r.timeline:
        if t.kind == "event":
            links = ", ".join(f'<a href="#{a.link(s)}">{_e(s.text)}</a>' for s in t.spans[:6])
            out.append(f"<li><b>{_e(t.value)}</b> event — {_outlets_html(t.outlets)} ({links})</li>")
        else:
            out.append(f"<li><b>{_e(t.value)}</b> published — {_outlets_html(t.outlets)}</li>")
    out.append("</ul>")

    out.append("<h3>Entities</h3>")
    if r.entities:
        out.append("<table><tr><th>name</th><th>type</th><th>mentions</th><th>outlets</th><th>spellings</th></tr>")
        for ent in r.entities:
            spellings = ", ".join(f"{_e(k)} ({v})" for k, v in sorted(ent.variants.items(), key=lambda kv: -kv[1])[:6])
            out.append(f"<tr><td>{_e(ent.name)}</td><td>{_e(ent.type)}</td><td>{ent.mentions}</td>"
                       f"<td>{len(ent.outlets)}</td><td>{spellings}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No entities.</p>")

    out.append("<h3>Articles</h3>")
    for art in r.articles:
        out.append(f'<div class="article" id="{a.article_id(art.id)}"><b>{_e(art.title or art.id)}</b><br>'
                   f'<span class="meta">{_e(outlet_of(art))} · {_e(art.published or "undated")} · '
                   f'{_e(art.language or "?")} · <code>{_e(art.id)}</code></span>')
        out.append(f"<p>{_highlighted(art.text, a.by_article.get(art.id, {}))}</p></div>")
    out.append("</section>")
    return "\n".join(out)


def _coverage_html(r: EventReport, a: _Anchors, claims: dict) -> str:
    shared = [g for g in r.claim_groups if len(g.outlets) > 1]
    out = ["<h3>Coverage: who reports what</h3>"]
    if not shared:
        out.append("<p>No claim is reported by more than one outlet.</p>")
    else:
        out.append('<table class="cov"><tr><th>claim (first wording)</th>'
                   + "".join(f'<th class="o">{_e(o)}</th>' for o in r.coverage.outlets) + "</tr>")
        col = {g: k for k, g in enumerate(r.coverage.group_ids)}
        for g in shared:
            first = claims[g.claim_ids[0]]
            row = [f'<td><a href="#{a.link(Span(first.article_id, first.start, first.end, first.text))}">'
                   f'{_e(_short(first.text, 100))}</a><br><span class="src">first: {_e(first_label(g.first_outlets, g.first_outlet))}</span></td>']
            for o_index, _outlet in enumerate(r.coverage.outlets):
                cid = r.coverage.cells[o_index][col[g.id]]
                if cid:
                    c = claims[cid]
                    row.append(f'<td class="hit"><a href="#{a.link(Span(c.article_id, c.start, c.end, c.text))}" '
                               f'title="{_e(_short(c.text, 200))}">●</a></td>')
                else:
                    row.append('<td class="miss"></td>')
            out.append("<tr>" + "".join(row) + "</tr>")
        out.append("<tr><td><i>claims only this outlet reports</i></td>"
                   + "".join(f"<td>{o.unique_claims}</td>" for o in r.outlets) + "</tr></table>")
    return "\n".join(out)


def _quotes_html(r: EventReport, a: _Anchors) -> str:
    out = ["<h3>Quotes side by side</h3>"]
    multi = [g for g in r.quote_groups if not g.unique]
    single = [g for g in r.quote_groups if g.unique]
    if not r.quote_groups:
        out.append("<p>No quotes found.</p>")
    for g in multi:
        out.append(f"<p><b>{_e(g.speaker or 'unknown speaker')}</b> — quoted by {len(g.outlets)} outlets</p>"
                   '<div class="quotes">')
        for q in g.quotes:
            outlet = outlet_of(r.article(q.article_id))
            out.append(f'<div class="quote"><span class="outlet">{_e(outlet)}</span> '
                       f'<a href="#{a.link(Span(q.article_id, q.start, q.end, q.text))}">{_e(q.text)}</a>'
                       f'<div class="src">{_e(q.kind)}{" · " + _e(q.speaker) if q.speaker else ""}</div></div>')
        out.append("</div>")
    if single:
        out.append("<details><summary>Quotes only one outlet carries "
                   f"({len(single)})</summary><ul>")
        for g in single:
            q = g.quotes[0]
            out.append(f'<li><b>{_e(g.speaker or "unknown speaker")}</b> '
                       f'<span class="outlet">{_e(outlet_of(r.article(q.article_id)))}</span> '
                       f'<a href="#{a.link(Span(q.article_id, q.start, q.end, q.text))}">{_e(q.text)}</a></li>')
        out.append("</ul></details>")
    return "\n".join(out)


def _highlighted(text: str, spans: dict[tuple[int, int], str]) -> str:
    """The article text, escaped, with every linked span marked.

    Spans that do not overlap an earlier one become ``<mark id=...>`` (the link target is
    then the highlighted words themselves, emphasised by ``:target``); a span overlapping
    one already marked (a quote inside a claim) gets an empty anchor at its start instead,
    so the markup always nests."""
    if not spans:
        return _e(text)
    marks: list[tuple[int, int, str]] = []
    anchors: dict[int, list[str]] = defaultdict(list)
    for (s, e), anchor in sorted(spans.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if marks and s < marks[-1][1]:
            anchors[s].append(anchor)
        else:
            marks.append((s, e, anchor))
    mark_start = {s: anchor for s, _e2, anchor in marks}
    mark_end = {e for _s, e, _a in marks}
    cuts = sorted({0, len(text), *anchors, *mark_start, *mark_end})
    out = []
    for k, pos in enumerate(cuts):
        if pos in mark_end:
            out.append("</mark>")
        for anchor in anchors.get(pos, ()):
            out.append(f'<span id="{anchor}"></span>')
        if pos in mark_start:
            out.append(f'<mark id="{mark_start[pos]}">')
        if k + 1 < len(cuts):
            out.append(_e(text[pos : cuts[k + 1]]))
    return "".join(out)


# ----------------------------------------------------------------------------- SVG


def _graph_svg(r: EventReport) -> str:
    """Outlets -> cited sources -> people, as three columns of labelled boxes."""
    columns = {"outlet": [], "source": [], "person": []}
    for n in r.sources.nodes:
        columns[n.layer].append(n)
    used = {e.source for e in r.sources.edges} | {e.target for e in r.sources.edges}
    for layer in columns:
        columns[layer] = [n for n in columns[layer] if n.id in used][:30]
    x_of = {"outlet": 10, "source": 330, "person": 650}
    box_w, row_h = 250, 28
    pos: dict[str, tuple[int, int]] = {}
    for layer, nodes in columns.items():
        for k, n in enumerate(nodes):
            pos[n.id] = (x_of[layer], 30 + k * row_h)
    height = 40 + row_h * max((len(v) for v in columns.values()), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="910" height="{height}" viewBox="0 0 910 {height}" '
             'role="img" aria-label="cited-source graph">']
    for layer, label in (("outlet", "outlets"), ("source", "cited sources"), ("person", "people quoted")):
        parts.append(f'<text x="{x_of[layer]}" y="16" font-weight="bold">{label}</text>')
    for e in r.sources.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        x1 += box_w
        mid = (x1 + x2) / 2
        parts.append(f'<path d="M{x1},{y1 + 10} C{mid},{y1 + 10} {mid},{y2 + 10} {x2},{y2 + 10}" fill="none" '
                     f'stroke="#7a93b8" stroke-opacity="0.7" stroke-width="{min(1 + e.count, 8)}">'
                     f"<title>{_e(e.count)} × in {len(e.article_ids)} article(s)</title></path>")
    colours = {"outlet": "#e8eef7", "source": "#fdf0d5", "person": "#e3f1e6"}
    for layer, nodes in columns.items():
        for n in nodes:
            x, y = pos[n.id]
            parts.append(f'<g><rect x="{x}" y="{y}" width="{box_w}" height="20" rx="4" fill="{colours[layer]}" '
                         f'stroke="#b8c2d0"><title>{_e(n.label)} ({_e(n.kind)}, {n.articles} article(s))</title></rect>'
                         f'<text x="{x + 6}" y="{y + 14}">{_e(_short(n.label, 40))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


TIMELINE_DAYS_BEFORE = 45  # event dates older than this before the first article are listed, not plotted


def _timeline_svg(r: EventReport) -> str:
    """Event dates (upper lane) and publication dates (lower lane) on one time axis.

    The axis covers the publication window and the weeks before it; older dates (a
    reference to last year's disaster) would squash the plot and are counted instead."""
    if not r.timeline:
        return "<p>No dates found.</p>"
    published = [dt.date.fromisoformat(t.start) for t in r.timeline if t.kind == "published"]
    starts = [dt.date.fromisoformat(t.start) for t in r.timeline]
    ends = [dt.date.fromisoformat(t.end) for t in r.timeline]
    lo_pub = min(published) if published else min(starts)
    window_lo = lo_pub - dt.timedelta(days=TIMELINE_DAYS_BEFORE)
    shown = [(t, max(s, window_lo), e) for t, s, e in zip(r.timeline, starts, ends, strict=True) if e >= window_lo]
    hidden = len(r.timeline) - len(shown)
    lo = min(s for _t, s, _e2 in shown)
    hi = max(max(e for _t, _s, e in shown), max(published, default=lo))
    hi = min(hi, max([s for _t, s, _e2 in shown] + [lo]) + dt.timedelta(days=7))
    if hi <= lo:
        lo, hi = lo - dt.timedelta(days=1), hi + dt.timedelta(days=1)
    width, left, right = 900, 70, 40
    span_days = (hi - lo).days or 1
    yearless = all(year_unknown(t) for t, _s, _e2 in shown)

    def day_label(d: dt.date) -> str:
        return d.strftime("--%m-%d") if yearless else d.isoformat()

    def x(d: dt.date) -> float:
        d = min(max(d, lo), hi)
        return left + (width - left - right) * (d - lo).days / span_days

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="190" viewBox="0 0 {width} 190" '
             'role="img" aria-label="timeline">',
             f'<line x1="{left}" y1="95" x2="{width - right}" y2="95" stroke="#8893a3"/>',
             '<text x="4" y="70">event</text><text x="4" y="128">published</text>',
             f'<text x="{left}" y="110">{_e(day_label(lo))}</text>',
             f'<text x="{width - right}" y="110" text-anchor="end">{_e(day_label(hi))}</text>']
    if hidden:
        parts.append(f'<text x="4" y="20">{hidden} earlier date{"s" if hidden != 1 else ""} not plotted '
                     "(see the list)</text>")
    last_label_x: dict[tuple[str, int], float] = {}
    for t, s, e in sorted(shown, key=lambda v: (v[1], v[0].kind)):
        y = 70 if t.kind == "event" else 128
        colour = "#c0392b" if t.kind == "event" else "#2f6db3"
        tip = f"{t.value} {t.kind}: {', '.join(t.outlets)}"
        if e > s:  # a partial date covers a stretch of days
            parts.append(f'<rect x="{x(s):.1f}" y="{y - 5}" width="{max(x(e) - x(s), 2):.1f}" height="10" '
                         f'fill="{colour}" fill-opacity="0.2"><title>{_e(tip)}</title></rect>')
        else:
            radius = 3 + min(len(t.outlets), 6)
            parts.append(f'<circle cx="{x(s):.1f}" cy="{y}" r="{radius}" fill="{colour}" fill-opacity="0.8">'
                         f"<title>{_e(tip)}</title></circle>")
        # stack labels that would overlap: the first free level at least 75 px from the last label
        level = 0
        while x(s) - last_label_x.get((t.kind, level), -1e9) < 75:
            level += 1
        last_label_x[(t.kind, level)] = x(s)
        label_y = y - 14 - 11 * level if t.kind == "event" else y + 22 + 11 * level
        parts.append(f'<text x="{x(s):.1f}" y="{label_y}" text-anchor="middle">{_e(t.value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
