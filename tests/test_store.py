from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from storyline import ingest, open_store
from storyline.errors import NotFound, StoreError
from storyline.store.schema import MIGRATIONS

from .conftest import HARBOUR_STORY, write


def test_new_store_is_at_latest_schema_with_wal(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/x.db") as s:
        assert s.schema_version() == MIGRATIONS[-1][0]
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_from_a_newer_storyline_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "x.db")
    db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(StoreError, match="newer than this storyline"):
        open_store(tmp_path / "x.db")


def test_unknown_store_url_is_refused():
    with pytest.raises(StoreError, match="use a file path") as refused:
        open_store("mysql://reader:hunter2@db/news")
    assert "hunter2" not in str(refused.value)


def test_search_ranks_title_matches_and_returns_snippets(store, settings, tmp_path):
    write(tmp_path, "a.txt", "Ferry strike ends\nThe ferry crews returned to work on Friday after a week.\n")
    write(tmp_path, "b.txt", "Budget passes\nThe council passed the budget; a ferry subsidy was cut by a third.\n")
    ingest(store, [tmp_path], settings=settings)
    hits = store.search("ferry")
    assert [h.title for h in hits] == ["Ferry strike ends", "Budget passes"]
    assert "[ferry]" in hits[1].snippet
    assert store.search('U.S. "unclosed') == []  # invalid FTS syntax falls back to plain words


def test_article_lookup_by_prefix_and_missing(store, settings, tmp_path):
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    [aid] = ingest(store, [tmp_path], settings=settings).added
    assert store.article(aid[:6]).id == aid
    with pytest.raises(NotFound, match="storyline articles"):
        store.article("zzz")


def test_successful_retry_clears_the_old_rejection(store, settings, tmp_path):
    path = write(tmp_path, "late.txt", b"")
    ingest(store, [tmp_path], settings=settings)
    assert len(store.rejections()) == 1
    path.write_text(HARBOUR_STORY)
    ingest(store, [tmp_path], settings=settings)
    assert store.rejections() == []


def test_killed_ingest_resumes_without_duplicates_or_gaps(tmp_path):
    corpus = tmp_path / "corpus"
    n = 400
    for i in range(n):
        write(corpus, f"s{i:04}.txt", f"Story {i}\nThe harbour board met for the {i}th time and approved plan {i * 7}.\n")
    db = tmp_path / "news.db"
    env = dict(os.environ, STORYLINE_BATCH_SIZE="5")
    cmd = [sys.executable, "-m", "storyline.cli", "--db", str(db), "-q", "ingest", str(corpus), "--no-enrich"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as check:
                    stored = check.execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 20:
                break
        time.sleep(0.01)
    assert proc.poll() is None, "ingest finished before it could be killed; make the corpus larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open_store(db) as s:
        partial = s.count_articles()
    assert 0 < partial < n
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open_store(db) as s:
        assert s.count_articles() == n
        titles = [a.title for a in s.articles()]
        assert len(set(titles)) == n
        assert s.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == n


def test_export_cursor_gives_dated_articles_in_time_order_then_undated_ones(store, settings, tmp_path):
    rows = [("late", "2025-03-09"), ("undated", None), ("early", "2025-03-02"), ("middle", "2025-03-05")]
    lines = [json.dumps({"id": name, "title": f"The {name} story", "source": "Kelvar Post", "published": day,
                         "text": f"The {name} story about the Varnosk ferry strike ran to several sentences. "
                                 "Crews walked out on the quay and the harbour stayed shut all day."})
             for name, day in rows]
    write(tmp_path, "batch.jsonl", "\n".join(lines) + "\n")
    ingest(store, [tmp_path], settings=settings.replace(enrich=False, cluster=False))
    titles = [a.title for a in store.iter_articles()]
    assert titles == ["The early story", "The middle story", "The late story", "The undated story"]
    assert list(store.iter_articles("2999-01-01")) == []
