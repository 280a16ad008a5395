"""CLI commands over enrichment and events: entities, quotes, sources, timeline, events,
storylines, reports and evaluation. Each is a thin call into the library."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from .cli import Context, DefaultGroup, cli, pass_ctx

_TYPES = {"person": "PERSON", "org": "ORG", "organisation": "ORG", "organization": "ORG", "place": "LOC",
          "loc": "LOC"}


def _json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@cli.command()
@click.option("--type", "type_", type=click.Choice(sorted(_TYPES)), help="Only this kind of entity.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def entities(c: Context, type_: str | None, limit: int, as_json: bool) -> None:
    """Canonical entities, most covered first, with their spelling variants."""
    rows = c.store.entities(_TYPES[type_] if type_ else None)[:limit]
    if as_json:
        _json(rows)
        return
    for e in rows:
        variants = ", ".join(f"{v} ({n})" for v, n in sorted(e["variants"].items(), key=lambda kv: -kv[1])[:5])
        click.echo(f"{e['id']}  {e['type']:6} {e['name'][:36]:36} {len(e['article_ids']):3} art.  {variants}")


@cli.group(cls=DefaultGroup)
def entity() -> None:
    """Show an entity (`storyline entity NAME`), or merge / split entities."""


@entity.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def entity_show(c: Context, name: str, as_json: bool) -> None:
    """Variants, articles, quotes by and about, and why its mentions were merged."""
    from .analysis import entity_quotes, published_label
    from .api import find_entity

    e = find_entity(c.store, name)
    by, about = entity_quotes(c.store, e)
    if as_json:
        _json(e | {"quotes_by": [q.__dict__ for q in by], "quotes_about": [q.__dict__ for q in about]})
        return
    click.echo(f"{e['name']}  ({e['type']}, {e['id']})")
    click.echo("  variants: " + ", ".join(f"{v} ×{n}" for v, n in sorted(e["variants"].items(), key=lambda kv: -kv[1])))
    articles = {a.id: a for a in c.store.articles(ids=e["article_ids"])}
    click.echo(f"  in {len(articles)} article(s):")
    for a in articles.values():
        click.echo(f"    {a.id}  {published_label(a):10} {(a.source or '?')[:20]:20} {a.title}")
    if e["explanations"]:
        click.echo("  why merged:")
        for why in e["explanations"]:
            click.echo(f"    - {why}")
    for label, items in (("quotes by", by), ("quotes about", about)):
        if items:
            click.echo(f"  {label}:")
            for q in items[:20]:
                click.echo(f"    [{q.article_id} {q.start}-{q.end}] \"{q.text[:140]}\"")


@entity.command("merge")
@click.argument("keep")
@click.argument("other")
@click.option("--note", help="Why (kept in the audit log).")
@click.option("--by", envvar="STORYLINE_USER", help="Who decides (kept in the audit log; env STORYLINE_USER).")
@pass_ctx
def entity_merge(c: Context, keep: str, other: str, note: str | None, by: str | None) -> None:
    """Merge entity OTHER into KEEP (ids from `storyline entities`); later runs keep it."""
    from .api import merge_entities

    merge_entities(c.store, keep, other, note, by=by)
    click.echo(f"merged {other} into {keep}")


@entity.command("split")
@click.argument("entity_id")
@click.option("--mention", "mentions", multiple=True, metavar="ARTICLE:START:END", help="A mention to split off.")
@click.option("--variant", "variants", multiple=True, help="Split off every mention with this spelling.")
@click.option("--note", help="Why (kept in the audit log).")
@click.option("--by", envvar="STORYLINE_USER", help="Who decides (kept in the audit log; env STORYLINE_USER).")
@pass_ctx
def entity_split(c: Context, entity_id: str, mentions: tuple[str, ...], variants: tuple[str, ...],
                 note: str | None, by: str | None) -> None:
    """Split mentions out of an entity into a new one; later runs keep it."""
    from .api import split_entity

    decision = split_entity(c.store, entity_id, mention_keys=mentions, variants=variants, note=note, by=by)
    click.echo(f"split {len(decision['mentions'])} mention(s) out of {entity_id}")


@cli.command()
@click.option("--speaker", help="Only quotes by this person (name or spelling variant).")
@click.option("--article", "article_id", help="Only quotes in this article.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def quotes(c: Context, speaker: str | None, article_id: str | None, as_json: bool) -> None:
    """Quotes with their speakers and cue verbs."""
    from .analysis import find_quotes

    rows = find_quotes(c.store, speaker, article_id)
    if as_json:
        _json([q.__dict__ for q in rows])
        return
    names = {e["id"]: e["name"] for e in c.store.entities(articles=False)}
    for q in rows:
        who = names.get(q.speaker_entity_id or "", q.speaker or "(unattributed)")
        click.echo(f"{who[:28]:28} {q.cue or '':8} [{q.article_id} {q.start}-{q.end}] \"{q.text[:120]}\"")
    c.say(f"({len(rows)} quote(s))", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sources(c: Context, as_json: bool) -> None:
    """The citation graph: which outlets cite which sources, and how often."""
    from .analysis import citation_edges

    edges = citation_edges(c.store)
    if as_json:
        _json(edges)
        return
    by_outlet: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for edge in edges:
        by_outlet[edge["outlet"]].append((edge["cited"], edge["kind"], edge["count"]))
    for outlet, cited in sorted(by_outlet.items()):
        click.echo(outlet)
        for s, k, n in cited:
            click.echo(f"  -> {s} ({k}) ×{n}")


@cli.command()
@click.option("--event", "event_id", help="Only this event's articles.")
@click.option("--all", "show_all", is_flag=True, help="Every date, not only those next to an event phrase.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def timeline(c: Context, event_id: str | None, show_all: bool, as_json: bool) -> None:
    """What happened when: normalised dates from the articles, next to when they were published."""
    from .analysis import published_label, sentence_around, timeline_dates

    rows = timeline_dates(c.store, event_id, show_all)
    if as_json:
        _json([d.__dict__ | {"published": a.published, "published_inferred": published_label(a).lstrip("~")
                             if published_label(a).startswith("~") else None} for d, a in rows])
        return
    for d, a in rows:
        sentence = sentence_around(a.text, d.start, d.end)
        click.echo(f"{d.value:12} (published {published_label(a)}, {(a.source or '?')[:18]}) {sentence[:110]}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def events(c: Context, as_json: bool) -> None:
    """Events: size, outlets, languages, date span and a representative title."""
    from .analysis import date_span

    rows = c.store.events()
    if as_json:
        _json(rows)
        return
    for e in rows:
        span = date_span(e["first_published"], e["last_published"])
        click.echo(f"{e['id']}  {len(e['article_ids']):3} art. {len(e['outlets']):2} outlets "
                   f"[{','.join(e['languages'])}] {span}  {e['title'] or ''}")
    c.say(f"({len(rows)} event(s))", err=True)


@cli.group(cls=DefaultGroup)
def event() -> None:
    """Show an event (`storyline event ID [--why]`), or merge / split events."""


@event.command("show")
@click.argument("event_id")
@click.option("--why", is_flag=True, help="Why each article joined: similarity, shared entities, time, runner-up.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def event_show(c: Context, event_id: str, why: bool, as_json: bool) -> None:
    """One event: its articles, outlets, duplicates and (with --why) the reasons."""
    e = c.store.event(event_id)
    members = {aid: c.store.event_member(aid) for aid in e["article_ids"]}
    if as_json:
        _json(e | {"members": members})
        return
    from .analysis import members_span, published_label

    articles = c.store.articles(ids=e["article_ids"])
    click.echo(f"{e['id']}  {e['title']}")
    click.echo(f"  {len(e['article_ids'])} article(s), outlets: {', '.join(e['outlets']) or 'none known'}; "
               f"{members_span(e['first_published'], e['last_published'], articles)}; "
               f"storyline {e['storyline_id']}")
    dups = {aid for g in e["duplicate_groups"] for aid in g[1:]}
    for a in articles:
        mark = " (copy)" if a.id in dups else ""
        click.echo(f"  {a.id}  {published_label(a):10} {a.language or '--':3}{(a.source or '?')[:20]:20} "
                   f"{a.title}{mark}")
        m = members.get(a.id)
        if why and m:
            x = m["explanation"]
            if m["event_id"] != e["id"]:
                click.echo(f"      placed in {m['event_id']} first, then brought here by a merge or a correction "
                           "(storyline decisions)")
            if m["is_new"]:
                click.echo(f"      opened the event; best existing: {x.get('runner_up') or 'none'} "
                           f"(probability {m['score']:.2f})")
            else:
                comps = ", ".join(f"{k} {v:.2f}" for k, v in x.get("components", {}).items() if v)
                click.echo(f"      joined with probability {m['score']:.2f}: {comps}")
                # The model's own account: each feature's share of the log-odds, largest first.
                terms = sorted(x.get("contributions", {}).items(), key=lambda kv: -abs(kv[1]))
                if terms:
                    click.echo("      log-odds: " + ", ".join(f"{k} {v:+.2f}" for k, v in terms[:6]))
                if x.get("shared_entities"):
                    click.echo(f"      shared: {', '.join(x['shared_entities'][:8])}")
                if x.get("gap_days") is not None:
                    click.echo(f"      time gap {x['gap_days']:.1f} days; nearest article {x.get('nearest_article')}")
                if x.get("runner_up"):
                    click.echo(f"      runner-up {x['runner_up']} (score {x['runner_up_score']:.2f})")
            if x.get("note"):
                click.echo(f"      note: {x['note']}")


@event.command("merge")
@click.argument("keep")
@click.argument("other")
@click.option("--note", help="Why (kept in the audit log).")
@click.option("--by", envvar="STORYLINE_USER", help="Who decides (kept in the audit log; env STORYLINE_USER).")
@pass_ctx
def event_merge(c: Context, keep: str, other: str, note: str | None, by: str | None) -> None:
    """Merge event OTHER into KEEP; later runs keep it."""
    from .api import merge_events

    click.echo(f"merged into {merge_events(c.store, keep, other, note, by=by)}")


@event.command("split")
@click.argument("event_id")
@click.argument("article_ids", nargs=-1, required=True)
@click.option("--note", help="Why (kept in the audit log).")
@click.option("--by", envvar="STORYLINE_USER", help="Who decides (kept in the audit log; env STORYLINE_USER).")
@pass_ctx
def event_split(c: Context, event_id: str, article_ids: tuple[str, ...], note: str | None, by: str | None) -> None:
    """Move ARTICLE_IDS out of EVENT_ID into a new event; later runs keep it."""
    from .api import split_event

    click.echo(f"new event {split_event(c.store, event_id, article_ids, note, by=by)}")


@cli.command()
@click.option("--days", type=float, help="How far back to re-examine (default: the clusterer's window).")
@pass_ctx
def recluster(c: Context, days: float | None) -> None:
    """Re-examine recent events: merge events that are one, split drifted ones; report the changes."""
    from .api import recluster as do_recluster

    report = do_recluster(c.store, days, settings=c.settings)
    click.echo(f"examined {report.examined} event(s)")
    for keep, other, score in report.merged:
        click.echo(f"  merged {other} into {keep} (score {score:.2f})")
    for ev, new, moved in report.split:
        click.echo(f"  split {len(moved)} article(s) from {ev} into {new}")
    if not report.changed:
        click.echo("  no changes")


@cli.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def decisions(c: Context, limit: int, as_json: bool) -> None:
    """The audit log of analyst corrections, newest first: who, when, what, and whether undone."""
    from .api import decision_log

    rows = decision_log(c.store)[:limit]
    if as_json:
        _json(rows)
        return
    for d in rows:
        state = "undone" if d["undone"] else ""
        details = d["details"]
        click.echo(f"{d['id']:4}  {d['created_at'][:19]}  {(d['by'] or 'cli')[:14]:14} {d['kind']:22} {state:6} "
                   f"{details[:80]}{'  # ' + d['note'] if d['note'] else ''}")


@cli.command()
@click.argument("decision_id", type=int, required=False)
@click.option("--by", help="Who is undoing (kept in the audit log).")
@pass_ctx
def undo(c: Context, decision_id: int | None, by: str | None) -> None:
    """Undo the latest standing correction (or DECISION_ID from `storyline decisions`); later runs keep it undone."""
    from .api import undo_decision

    done = undo_decision(c.store, decision_id, by=by)
    click.echo(f"undid decision {done['decision']} ({done['kind']})")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def storylines(c: Context, as_json: bool) -> None:
    """Storylines: events linked over time."""
    rows = c.store.storylines()
    if as_json:
        _json(rows)
        return
    titles = {e["id"]: e for e in c.store.events()}
    for s in rows:
        first = titles.get(s["event_ids"][0], {})
        click.echo(f"{s['id']}  {len(s['event_ids'])} event(s), {len(s['related_event_ids'])} related  "
                   f"{first.get('title') or ''}")


@cli.command("storyline")
@click.argument("storyline_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def storyline_show(c: Context, storyline_id: str, as_json: bool) -> None:
    """One storyline: its events in time order, and related background events."""
    from .analysis import storyline_view

    view = storyline_view(c.store, storyline_id)
    s = {k: v for k, v in view.items() if k != "related"}
    if as_json:
        _json(s)
        return
    events_by_id = {e["id"]: e for e in view["events"] + view["related"]}
    for label, ids in (("events", s["event_ids"]), ("related", s["related_event_ids"])):
        click.echo(f"{label}:")
        for eid in ids:
            e = events_by_id.get(eid)
            if e:
                click.echo(f"  {eid}  {(e['first_published'] or '?')[:10]}  {len(e['article_ids'])} art.  {e['title']}")




@cli.command()
@click.argument("event_ids", nargs=-1)
@click.option("--all", "all_events", is_flag=True, help="Every event.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@pass_ctx
def report(c: Context, event_ids: tuple[str, ...], all_events: bool, fmt: str, output: Path | None) -> None:
    """Coverage report per event: summary, agreement, discrepancies, quotes, sources, timeline.

    HTML is one self-contained file that opens offline from disk."""
    from .api import event_reports, write_report

    if not event_ids and not all_events:
        raise click.UsageError("name event ids (see `storyline events`) or use --all")
    ids = None if all_events else list(event_ids)
    if output:
        path = write_report(c.store, output, fmt, ids)
        click.echo(f"wrote {path}")
        return
    from .report import render_html, render_markdown, report_to_dict

    built = event_reports(c.store, ids)
    if fmt == "md":
        click.echo(render_markdown(built))
    elif fmt == "html":
        click.echo(render_html(built, title="storyline report"))
    else:
        _json([report_to_dict(r) for r in built])
