"""The public pipeline: ingest, then every later stage over what is pending.

The CLI, the HTTP API and the web UI call these functions and nothing below them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .settings import Settings, load_settings
from .store.sqlite import SQLiteStore, open_store

ProgressFactory = Callable[[str], Any]
# The demo corpus names its files 2025-03-04_outlet-slug_topic.ext.
DEMO_NAME_PATTERN = "{published}_{source}_{*}"


@dataclass
class PipelineSummary:
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for name, stats in self.stages.items():
            parts = ", ".join(f"{k} {v}" for k, v in stats.items())
            out.append(f"{name}: {parts}")
        return out


def run_pipeline(store: SQLiteStore, settings: Settings, progress_factory: ProgressFactory | None = None
                 ) -> PipelineSummary:
    """Run every post-ingest stage on the articles it has not processed yet."""
    summary = PipelineSummary()
    for name, stage in _stages(settings):
        bar = progress_factory(name) if progress_factory else None
        try:
            summary.stages[name] = stage(store, settings, bar.update if bar else None)
        finally:
            if bar:
                bar.close()
    return summary


def _stages(settings: Settings) -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    from .grouping_stage import cluster_pending
    from .materialise import embed_sentences
    from .materialise import materialise_reports as _materialise
    from .stages import enrich_pending

    stages: list[tuple[str, Callable[..., dict[str, Any]]]] = []
    if settings.enrich:
        stages.append(("enrich", enrich_pending))
        if settings.reports:
            # After enrichment: the quotes it finds are encoded with the claims.
            stages.append(("sentences", embed_sentences))
    if settings.cluster:
        stages.append(("cluster", cluster_pending))
        if settings.reports:
            stages.append(("reports", _materialise))
    return stages


def demo_corpus_path() -> Path:
    return Path(str(resources.files("storyline").joinpath("demo/corpus")))


@dataclass
class DemoResult:
    db_path: Path
    ingested: int
    rejected: int
    summary: PipelineSummary
    overview: list[str]
    report_path: Path | None = None

    def lines(self) -> list[str]:
        out = [f"demo database: {self.db_path}", f"ingested {self.ingested} invented articles "
               f"({self.rejected} rejected)", *self.summary.lines(), "", *self.overview]
        if self.report_path:
            out += ["", f"report: {self.report_path}"]
        return out


def run_demo(out_dir: Path, settings: Settings, say: Callable[[str], None] = print,
             progress_factory: ProgressFactory | None = None) -> DemoResult:
    """Ingest the bundled invented corpus into a fresh database in ``out_dir``, run every stage, write the report."""
    from .pipeline import ingest

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "storyline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    corpus = out_dir / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(demo_corpus_path(), corpus, ignore=shutil.ignore_patterns("*.md.txt", "README.md", "EXPECTED.md"))
    say(f"ingesting the demo corpus from {corpus} ...")
    with open_store(db_path) as store:
        report = ingest(store, [corpus], settings=settings, command="demo", name_pattern=DEMO_NAME_PATTERN)
        summary = run_pipeline(store, settings, progress_factory)
        overview = corpus_overview(store) + events_overview(store)
        report_path = write_report(store, out_dir / "report.html", "html")
    return DemoResult(db_path, len(report.added), len(report.rejected), summary, overview, report_path.resolve())


def events_overview(store: SQLiteStore) -> list[str]:
    events = store.events()
    out = ["", f"{len(events)} events:"]
    for e in events:
        out.append(f"  {e['id']}  {len(e['article_ids'])} articles, {len(e['outlets'])} outlets "
                   f"[{', '.join(e['languages'])}]  {e['title']}")
    entities = store.entities()
    if entities:
        top = ", ".join(f"{e['name']} ({len(e['article_ids'])})" for e in entities[:8])
        out += ["", f"{len(entities)} entities; most covered: {top}"]
    return out


def corpus_overview(store: SQLiteStore) -> list[str]:
    rows = store.outlet_summary()
    out = [f"{store.count_articles()} articles from {len(rows)} outlets:"]
    out += [f"  {r['source']:28} {r['n']:3} article(s)  [{r['languages']}]" for r in rows]
    return out


# -- analyst decisions ------------------------------------------------------------------------------------------
# Each decision is stored (audit log, replayed by later runs) and applied at once.


def merge_entities(store: SQLiteStore, keep: str, other: str, note: str | None = None, *,
                   by: str | None = None) -> dict[str, Any]:
    """Merge entity ``other`` into ``keep``; stored as a decision that later runs replay."""
    from .enrich.canonical import merge
    from .stages import resolve_entities

    _entity_or_fail(store, keep)
    _entity_or_fail(store, other)
    decision = merge(keep, other, note or "")
    store.add_decision("entity.merge", _signed(decision, by), note)
    resolve_entities(store)
    return decision


def split_entity(store: SQLiteStore, entity_id: str, *, mention_keys: Sequence[str] = (),
                 variants: Sequence[str] = (), note: str | None = None, by: str | None = None) -> dict[str, Any]:
    """Split the listed mentions (``article:start:end``) or every mention spelled as one of
    ``variants`` out of an entity into a new one."""
    from .enrich.canonical import split
    from .errors import ConfigError
    from .stages import resolve_entities

    _entity_or_fail(store, entity_id)
    keys = set(mention_keys)
    wanted = {v.lower() for v in variants}
    for m in store.mentions():
        if m.entity_id == entity_id and m.text.lower() in wanted:
            keys.add(f"{m.article_id}:{m.start}:{m.end}")
    if not keys:
        raise ConfigError("nothing to split: give --mention ARTICLE:START:END or --variant SPELLING of this entity")
    decision = split(entity_id, *sorted(keys), note=note or "")
    store.add_decision("entity.split", _signed(decision, by), note)
    resolve_entities(store)
    return decision


def _entity_or_fail(store: SQLiteStore, entity_id: str) -> dict[str, Any]:
    from .errors import NotFound

    found = store.entities_by_ids([entity_id])
    if entity_id in found:
        return found[entity_id]
    raise NotFound(f"no entity {entity_id!r}; list them with `storyline entities`")


def find_entity(store: SQLiteStore, name_or_id: str) -> dict[str, Any]:
    """An entity by id, by canonical name, or by one of its spellings (case-insensitive)."""
    from .errors import NotFound

    needle = name_or_id.strip().lower()
    # matched on names and counts (the same order as with the lists); only the hit's list is built
    entities = store.entities(articles=False)
    for test in (lambda e: e["id"] == name_or_id, lambda e: e["name"].lower() == needle,
                 lambda e: needle in (v.lower() for v in e["variants"]),
                 lambda e: needle in e["name"].lower(),
                 lambda e: any(needle in v.lower() for v in e["variants"])):
        hits = [e for e in entities if test(e)]
        if hits:
            return store.entities_by_ids([hits[0]["id"]])[hits[0]["id"]]
    # another spelling of a name or of its last word: "Pel’shin" (a curly apostrophe), "Pelchine",
    # "Пельшин" for an entity whose spellings are "Pavel Pelshin" and "Pel'shin"
    from .enrich.names import sound_key, word_tokens

    def keys(name: str) -> tuple[str, str]:
        words = [sound_key(w) for w in word_tokens(name)]
        return " ".join(words), words[-1] if words else ""

    whole, _ = keys(name_or_id)
    if whole:
        for test in (lambda e: any(keys(n)[0] == whole for n in (e["name"], *e["variants"])),
                     lambda e: " " not in whole and any(keys(n)[1] == whole for n in (e["name"], *e["variants"]))):
            hits = [e for e in entities if test(e)]
            if hits:
                return store.entities_by_ids([hits[0]["id"]])[hits[0]["id"]]
    raise NotFound(f"no entity named {name_or_id!r}; list them with `storyline entities`")


def _with_clusterer(store: SQLiteStore, change: Callable[[Any], Any], kind: str, payload: dict[str, Any],
                    note: str | None, by: str | None = None) -> Any:
    """Apply an analyst correction to the clusterer and write back only what it changed: the
    rows of the articles and events it touched, their events table rows and the stories from
    the earliest of them on. The undo record keeps those rows as they were before."""
    from .cluster.persist import encode_rows, rows_digest, take_delta
    from .grouping_stage import UNREFRESHED_KEY, load_clusterer, load_near_duplicates, refresh_events

    clusterer = load_clusterer(store)
    result = change(clusterer)
    delta = take_delta(clusterer)
    articles = {r["article_id"] for r in delta.articles}
    events = delta.event_ids | delta.removed_events
    before = {"meta": store.cluster_meta(),
              "articles": encode_rows(list(store.cluster_article_rows(sorted(articles)))),
              "events": encode_rows(store.cluster_event_rows(sorted(events)))}
    with store.transaction():
        store.set_kv(UNREFRESHED_KEY, True)
        store.put_cluster_delta(delta)
        decision_id = store.add_decision(kind, _signed(payload, by), note)
        store.set_kv(f"{UNDO_KEY}{decision_id}", {"before": before, "articles": sorted(articles),
                                                 "events": sorted(events),
                                                 "after_digest": rows_digest(store, articles, events)})
    refresh_events(store, clusterer, load_near_duplicates(store), changed=delta.event_ids,
                   removed=delta.removed_events)
    store.set_kv(UNREFRESHED_KEY, False)
    return result


def merge_events(store: SQLiteStore, keep: str, other: str, note: str | None = None, *,
                 by: str | None = None) -> str:
    """Merge event ``other`` into ``keep`` (ids of surviving events never change); stored and replayed."""
    from .errors import ConfigError

    ids = [store.event(event_id)["id"] for event_id in (keep, other)]  # raises NotFound with a hint
    if ids[0] == ids[1]:
        raise ConfigError(f"{keep} and {other} are one event already; nothing to merge")
    return _with_clusterer(store, lambda c: c.merge(keep, other), "event.merge", {"into": keep, "other": other},
                           note, by)


def split_event(store: SQLiteStore, event_id: str, article_ids: Sequence[str], note: str | None = None, *,
                by: str | None = None) -> str:
    """Move ``article_ids`` out of an event into a new one; never merged back automatically."""
    store.event(event_id)
    ids = [store.article(a).id for a in article_ids]
    return _with_clusterer(store, lambda c: c.split(event_id, ids), "event.split",
                           {"event": event_id, "articles": ids}, note, by)


def move_article(store: SQLiteStore, article_id: str, to_event: str | None, note: str | None = None, *,
                 by: str | None = None) -> str:
    """Move an article to ``to_event`` (None: an event of its own); it stays there in later runs."""
    from .errors import ConfigError

    aid = store.article(article_id).id
    if to_event and store.event(to_event)["id"] == store.event_assignments([aid]).get(aid):
        raise ConfigError(f"article {aid} is in {to_event} already; nothing to move")
    return _with_clusterer(store, lambda c: c.move(aid, to_event), "event.move",
                           {"article": aid, "to": to_event}, note, by)


def recluster(store: SQLiteStore, recent_days: float | None = None, merge_threshold: float | None = None, *,
              settings: Settings | None = None) -> Any:
    """Re-examine recent events: merge the ones that turned out to be one (event-pair score at least
    ``merge_threshold``, by default ``settings.recluster_merge_threshold``, the loaded settings when none
    are given), split drifted ones."""
    if merge_threshold is None:
        merge_threshold = (settings or load_settings()).recluster_merge_threshold
    return _with_clusterer(store, lambda c: c.recluster(recent_days, merge_threshold), "event.recluster",
                           {"recent_days": recent_days, "merge_threshold": merge_threshold}, None)


UNDO_KEY = "undo.cluster."
UNDOABLE = ("entity.merge", "entity.split", "event.merge", "event.split", "event.move", "event.recluster")


def _signed(payload: dict[str, Any], by: str | None) -> dict[str, Any]:
    return payload | {"by": by} if by else payload


def decision_log(store: SQLiteStore) -> list[dict[str, Any]]:
    """The audit log, newest first: every analyst decision with who (``by``), when, and whether it was undone."""
    rows = store.decisions()
    undone = {d["payload"].get("decision") for d in rows if d["kind"] == "undo"}
    return [d | {"by": d["payload"].get("by"), "undone": d["id"] in undone or d["kind"].startswith("undone."),
                 "undoable": d["kind"] in UNDOABLE and d["id"] not in undone,
                 "details": decision_details(d["payload"])} for d in reversed(rows)]


def decision_details(payload: dict[str, Any]) -> str:
    """A decision's parameters for people: ``event=ev_000002 articles=a7de..., a958...``; an article moved
    to no event went to one of its own, and an unset option is left out."""
    parts = []
    for key, value in payload.items():
        if key == "by" or (value is None and key != "to"):
            continue
        if value is None:
            value = "(an event of its own)"
        elif isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        parts.append(f"{key}={value}")
    return " ".join(parts)


def undo_decision(store: SQLiteStore, decision_id: int | None = None, *, by: str | None = None) -> dict[str, Any]:
    """Undo an analyst decision (default: the latest one still standing) and record the undo in the log.

    Entity decisions are replayed on every run, so undoing one drops it from the replay and re-resolves
    entities. Event decisions restore the clustering state saved before the decision; that is refused
    when the events changed since (articles clustered, another correction): undo the later change first,
    or apply the inverse correction (split what was merged, merge what was split)."""
    from .cluster.persist import ClusterDelta, decode_rows, rows_digest
    from .errors import ConfigError, NotFound
    from .grouping_stage import UNREFRESHED_KEY, load_clusterer, load_near_duplicates, refresh_events
    from .stages import resolve_entities

    standing = [d for d in decision_log(store) if d["undoable"]]
    if decision_id is None:
        if not standing:
            raise NotFound("no decision to undo; the audit log has none standing")
        target = standing[0]
    else:
        found = [d for d in standing if d["id"] == decision_id]
        if not found:
            raise NotFound(f"no standing decision {decision_id}; see the audit log (`/api/decisions`)")
        target = found[0]
    if target["kind"].startswith("entity."):
        store.retire_decision(target["id"])
        record = store.add_decision("undo", _signed({"decision": target["id"], "kind": target["kind"]}, by))
        resolve_entities(store)
        return {"undo": record, "decision": target["id"], "kind": target["kind"]}
    saved = store.get_kv(f"{UNDO_KEY}{target['id']}")
    if saved is None or "articles" not in saved:
        raise ConfigError(f"decision {target['id']} was made before this kind of undo existed; apply the inverse "
                          "correction (split what was merged, or merge back)")
    articles, events = set(saved["articles"]), set(saved["events"])
    if rows_digest(store, articles, events) != saved["after_digest"]:
        later = [d for d in decision_log(store) if d["id"] > target["id"] and d["kind"].startswith("event.")
                 and d["undoable"] and not d["undone"]]
        cause = ("undo later decisions first" if later else
                 "no later correction did it, a later run grouped new articles into them")
        raise ConfigError(f"the events changed after decision {target['id']} ({target['kind']}); {cause}, or apply "
                          "the inverse correction (split what was merged, or merge back)")
    before = saved["before"]
    rows = decode_rows(before["articles"], ("vector", "lexical"))
    kept = decode_rows(before["events"], ("centroid",))
    existed = {e["event_id"] for e in kept}
    delta = ClusterDelta(meta=before["meta"], articles=rows, events=kept, removed_events=events - existed)
    with store.transaction():
        store.set_kv(UNREFRESHED_KEY, True)
        store.put_cluster_delta(delta)
        store.retire_decision(target["id"])
        record = store.add_decision("undo", _signed({"decision": target["id"], "kind": target["kind"]}, by))
    refresh_events(store, load_clusterer(store), load_near_duplicates(store), changed=existed,
                   removed=delta.removed_events)
    store.set_kv(UNREFRESHED_KEY, False)
    return {"undo": record, "decision": target["id"], "kind": target["kind"]}


# -- reports ------------------------------------------------------------------------------------------------------


def event_input(store: SQLiteStore, event_id: str) -> Any:
    """Everything the report needs about one event, read from the store."""
    from .materialise import event_input as _event_input

    return _event_input(store, event_id)


def event_report(store: SQLiteStore, event_id: str) -> Any:
    """The coverage report of one event (``storyline.report.EventReport``), read from the
    store; built and stored first when missing or stale."""
    from .materialise import event_report as _stored

    return _stored(store, event_id)


def event_report_view(store: SQLiteStore, event_id: str) -> dict[str, Any]:
    """The JSON view of one event's report (``report_to_dict``) straight from the store; the
    cheapest way to serve a report (built and stored first when missing or stale)."""
    from .materialise import event_report_view as _view

    return _view(store, event_id)


def stored_report_view(store: SQLiteStore, event_id: str, *, as_text: bool = False) -> Any:
    """The JSON view of one event's stored report if it is current, else None; never builds
    (what a server answers in-process, leaving rebuilds to a worker). ``as_text``: the stored
    JSON text itself, for a server to send as it is."""
    from .materialise import stored_report_view as _stored

    return _stored(store, event_id, as_text=as_text)


def compute_event_report(store: SQLiteStore, event_id: str) -> Any:
    """A freshly built report of one event, neither read from nor written to the store (it
    still reuses the stored sentence vectors)."""
    from .materialise import event_input as _event_input
    from .materialise import span_vectors
    from .report import build_event_report

    event = store.event(event_id)
    return build_event_report(_event_input(store, event_id, event), vectors=span_vectors(store, event["article_ids"]))


def materialise_reports(store: SQLiteStore, settings: Settings | None = None, *, full: bool = False
                        ) -> dict[str, Any]:
    """Rebuild and store the reports of the events that changed since they were stored (the
    pipeline's ``reports`` stage; call it after analyst actions to refresh at once). Only events
    the store marked as changed are checked; ``full`` checks every event."""
    from .materialise import materialise_reports as _materialise

    return _materialise(store, settings, full=full)


def event_reports(store: SQLiteStore, event_ids: Sequence[str] | None = None) -> list[Any]:
    """Reports for the given events (default: every event, largest first)."""
    if event_ids is None:
        events = sorted(store.events(), key=lambda e: (-len(e["article_ids"]), e["first_published"] or ""))
        event_ids = [e["id"] for e in events]
    return [event_report(store, eid) for eid in event_ids]


# -- search and export -------------------------------------------------------------------------------------------


def semantic_search(store: SQLiteStore, query: str, limit: int = 10, *, exact: bool = False) -> list[Any]:
    """Sentences closest in meaning to ``query`` (``storyline.semantic.SentenceHit``: article id,
    span, text, cosine score, article title, source and date), from the stored sentence vectors
    through an ANN index; ``exact`` scans every vector instead."""
    from .semantic import semantic_search as _search

    return _search(store, query, limit, exact=exact)


def export_records(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None) -> Any:
    """``(section, record)`` pairs of the storyline.export/1 format, streamed from the store
    (constant memory; ``since``: only what changed after that ISO time)."""
    from .export import iter_records

    return iter_records(store, with_reports=with_reports, since=since)


def export_jsonl(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None) -> Any:
    """The export as JSON Lines, one string per line, streamed from the store."""
    from .export import iter_jsonl

    return iter_jsonl(store, with_reports=with_reports, since=since)


def export_parquet(store: SQLiteStore, out_dir: Path, *, with_reports: bool = True,
                   since: str | None = None) -> list[Path]:
    """The export as one Parquet file per section in ``out_dir`` (needs pyarrow)."""
    from .export import write_parquet

    return write_parquet(store, out_dir, with_reports=with_reports, since=since)


def write_report(store: SQLiteStore, path: Path, fmt: str = "html", event_ids: Sequence[str] | None = None) -> Path:
    """Write the reports of the given events (default all) as html, md or json to ``path``."""
    from .report import render_html, render_markdown, report_to_dict

    built = event_reports(store, event_ids)
    if fmt == "html":
        text = render_html(built, title="storyline report")
    elif fmt == "md":
        text = render_markdown(built)
    else:
        import json

        text = json.dumps([report_to_dict(r) for r in built], ensure_ascii=False, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def evaluate_clustering(path: str | Path, settings: Settings, **options: Any) -> Any:
    """Score event and story grouping on a gold dataset through the product path
    (ingest -> pipeline -> store), beside the baselines; see :mod:`storyline.evaluate`."""
    from .evaluate import evaluate_clustering as run

    return run(path, settings, **options)
