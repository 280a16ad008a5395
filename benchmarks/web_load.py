"""Bounded load test of the web app: page latency (p50, p95) on a large store, over 127.0.0.1.

The store holds the demo corpus (run through the whole pipeline once), copied N times:
each copy gets new article ids, its publication dates shifted by one day per copy, and the
same annotations, entity links and event grouping. So a 10k-article store has about 2,700
events. Texts repeat, so this measures the web layer and the store reads, not NLP. Event
reports are stored before timing (the speed work makes them materialised); the first,
cold build of a report is not part of the figure.

    python benchmarks/web_load.py --articles 10000 [--requests 40] [--concurrency 4] [--out results.json]
    python benchmarks/web_load.py --articles 100000 --keep /tmp/big.db --concurrency 8 --requests 200
    python benchmarks/web_load.py --db /tmp/big.db --concurrency 8 --requests 200   # reuse a kept store

"search" repeats one query (``dam collapse``: 13,332 matches at 100k); "search mix" and "api search
mix" send a different query with every request, 1-3 words of the store's titles
(``search_ranking.draw_queries``), so nothing one request computed serves the next.

``--reports`` also materialises every event's report after the copy (timed: the pipeline's
``reports`` stage on the whole store), so exports read stored reports.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402


def _shift(value: str | None, days: int) -> str | None:
    if not value or len(value) < 10:
        return value
    try:
        return (date.fromisoformat(value[:10]) + timedelta(days=days)).isoformat() + value[10:]
    except ValueError:
        return value


def build_store(folder: Path, articles: int) -> Path:
    import storyline
    from storyline import api

    settings = storyline.load_settings(env={})
    demo = api.run_demo(folder / "demo", settings, say=lambda _m: None)
    src = storyline.open_store(demo.db_path)
    base = src.articles()
    copies = max(1, articles // len(base))
    path = folder / "big.db"
    dst = storyline.open_store(path)
    dst.migrate()
    mentions = {a.id: src.mentions([a.id]) for a in base}
    quotes = {a.id: src.quotes([a.id]) for a in base}
    citations = {a.id: src.citations([a.id]) for a in base}
    dates = {a.id: src.dates([a.id]) for a in base}
    from storyline.materialise import sentence_model_id

    model = sentence_model_id()
    vectors = src.sentence_vectors([a.id for a in base], model)  # copied too: reports read them
    events, entity_articles, mention_entity = [], {}, {}
    for i in range(copies):
        ids = {a.id: f"{a.id[:10]}{i:06x}" for a in base}
        with dst.transaction():
            for a in base:
                new = dataclasses.replace(a, id=ids[a.id], published=_shift(a.published, i),
                                          content_hash=f"{a.content_hash}-{i}", external_id=None)
                dst.add_article(new, item=f"copy{i}/{a.id}")
                ms = [dataclasses.replace(m, article_id=new.id) for m in mentions[a.id]]
                dst.replace_annotations(
                    new.id, mentions=ms, quotes=[dataclasses.replace(q, article_id=new.id) for q in quotes[a.id]],
                    citations=[dataclasses.replace(c, article_id=new.id) for c in citations[a.id]],
                    dates=[dataclasses.replace(d, article_id=new.id) for d in dates[a.id]])
                if a.id in vectors:
                    dst.put_sentence_vectors([(new.id, model, *vectors[a.id])])
                for m in ms:
                    if m.entity_id:
                        mention_entity[(m.article_id, m.start, m.end)] = m.entity_id
                        entity_articles.setdefault(m.entity_id, set()).add(new.id)
        for e in src.events():
            events.append(e | {"id": f"{e['id']}_{i:05d}", "article_ids": [ids[a] for a in e["article_ids"]],
                               "first_published": _shift(e["first_published"], i),
                               "last_published": _shift(e["last_published"], i),
                               "duplicate_groups": [[ids[a] for a in g] for g in e["duplicate_groups"]]})
    entities = [e | {"article_ids": sorted(entity_articles.get(e["id"], ()))} for e in src.entities()]
    dst.replace_entities(entities, mention_entity)
    dst.replace_events(events, [])
    src.close()
    dst.close()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def measure(db: Path, requests: int, concurrency: int, only: set[str] | None = None) -> dict[str, Any]:
    import httpx

    import storyline

    with storyline.open_store(db) as s:
        events = s.events()
        sample_events = [e["id"] for e in events[:: max(1, len(events) // 10)]][:10]
        article = s.article_meta()[len(s.article_meta()) // 2]["id"]
        entity = s.entities()[0]["id"] if s.entities() else ""
        from search_ranking import draw_queries  # varied queries from the store's titles: no repeats to reuse

        mix = [quote_plus(q) for q in draw_queries(s, requests + 1, seed=23)]
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "--quiet", "--db", str(db), "serve",
                             "--port", str(port), "--token", "load-test"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(200):
                try:
                    client.get("/api/overview?limit=1")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            for eid in sample_events:  # store the reports first: not timed
                client.get(f"/api/events/{eid}/report")
            pages = {"home": "/", "home growing": "/?sort=growing&outlet=NORDPRESS",
                     "event": "/events/{event}", "story": None, "entity": f"/entities/{entity}",
                     "article": f"/articles/{article}?start=0&end=40", "outlet": "/outlets/NORDPRESS",
                     "search": "/search?q=dam+collapse", "rejects": "/rejects", "audit": "/audit",
                     "api overview": "/api/overview", "api search": "/api/search/hits?q=dam",
                     "api events": "/api/events?limit=50&offset=200", "api event": "/api/events/{event}",
                     "api report": "/api/events/{event}/report", "api search fts": "/api/search?q=dam+collapse",
                     "api articles": "/api/articles?limit=50&offset=500",
                     "search mix": "/search?q={query}", "api search mix": "/api/search?q={query}"}
            out = {}
            for name, path in pages.items():
                if path is None or only and name not in only:
                    continue
                urls = [path.format(event=sample_events[i % len(sample_events)] if sample_events else "",
                                    query=mix[i + 1]) for i in range(requests)]
                if "{query}" in path:
                    urls.insert(0, path.format(query=mix[0]))  # the warm-up request's own query

                def one(url: str) -> float:
                    t = time.perf_counter()
                    r = client.get(url)
                    r.raise_for_status()
                    return (time.perf_counter() - t) * 1000

                one(urls.pop(0) if "{query}" in path else urls[0])  # warm
                cpu = _cpu_seconds(proc.pid)
                with ThreadPoolExecutor(concurrency) as pool:
                    times = sorted(pool.map(one, urls))
                # The server's own CPU per request: what a busy machine's queueing does not change.
                cpu_ms = None if cpu is None else 1000 * ((_cpu_seconds(proc.pid) or cpu) - cpu) / len(urls)
                out[name] = {"p50_ms": round(statistics.median(times), 1),
                             "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
                             "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 1),
                             "max_ms": round(times[-1], 1),
                             "server_cpu_ms": None if cpu_ms is None else round(cpu_ms, 1)}
                print(f"{name:16} p50 {out[name]['p50_ms']:7.1f} ms  p95 {out[name]['p95_ms']:7.1f} ms  "
                      f"p99 {out[name]['p99_ms']:7.1f} ms  server CPU {out[name]['server_cpu_ms']} ms/request",
                      flush=True)
            try:  # the server's peak resident memory (Linux)
                status = Path(f"/proc/{proc.pid}/status").read_text()
                out["server_peak_rss_mb"] = int(status.split("VmHWM:")[1].split()[0]) // 1024
                print(f"server peak RSS {out['server_peak_rss_mb']} MB", flush=True)
            except (OSError, IndexError, ValueError):
                pass
            return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=40, help="requests per page")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--keep", type=Path, help="Build the store at this path and keep it.")
    ap.add_argument("--db", type=Path, help="Measure this kept store instead of building one.")
    ap.add_argument("--reports", action="store_true", help="Materialise every event's report after building.")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--pages", help="Comma-separated page names to measure (default: all).")
    args = ap.parse_args()
    import storyline

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        if args.db:
            db = args.db
        else:
            db = build_store(Path(tmp), args.articles)
            if args.keep:
                import shutil

                shutil.move(str(db), args.keep)
                db = args.keep
        built = time.perf_counter() - t
        result: dict = {}
        if args.reports:
            from storyline import api

            t = time.perf_counter()
            with storyline.open_store(db) as s:
                result["materialise"] = api.materialise_reports(s) | {"event_ids": None}
            result["materialise"]["wall_s"] = round(time.perf_counter() - t, 1)
            print(f"reports: {result['materialise']}", flush=True)
        with storyline.open_store(db) as s:
            n, ev = s.count_articles(), len(s.events())
        print(f"store: {n} articles, {ev} events, built in {built:.0f} s; {machine()}", flush=True)
        result |= {"articles": n, "events": ev, "requests_per_page": args.requests,
                   "concurrency": args.concurrency, "machine": machine()}
        if not args.build_only:
            only = set(args.pages.split(",")) if args.pages else None
            result["pages"] = measure(db, args.requests, args.concurrency, only)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
