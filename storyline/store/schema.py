"""Versioned schema migrations. Append new versions; never edit a released one."""

from __future__ import annotations


def _mark(kind: str, key: str) -> str:
    """A trigger statement marking ``key`` changed for the report materialiser (version 9)."""
    return (f"INSERT INTO report_marks(kind, key) VALUES ('{kind}', {key}) "
            "ON CONFLICT(kind, key) DO UPDATE SET taken = 0 WHERE taken <> 0;")


def _mark_article_triggers(table: str, columns: str) -> str:
    """Insert, delete and update triggers on an annotation table marking the article it belongs to;
    an update marks only when one of ``columns`` (what a report reads) really changed."""
    when = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ["article_id", *columns.split()])
    return f"""
        CREATE TRIGGER {table}_mark_ai AFTER INSERT ON {table} BEGIN {_mark('a', 'new.article_id')} END;
        CREATE TRIGGER {table}_mark_ad AFTER DELETE ON {table} BEGIN {_mark('a', 'old.article_id')} END;
        CREATE TRIGGER {table}_mark_au AFTER UPDATE ON {table} WHEN {when} BEGIN
            {_mark('a', 'old.article_id')}
            {_mark('a', 'new.article_id')}
        END;"""


MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "articles, rejections, runs, full-text search",
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            stats TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE articles (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            external_id TEXT,
            content_hash TEXT NOT NULL UNIQUE,
            source TEXT,
            title TEXT,
            published TEXT,
            url TEXT,
            language TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            raw_text TEXT NOT NULL,
            text TEXT NOT NULL,
            offset_map TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '[]',
            metadata TEXT NOT NULL DEFAULT '{}',
            origin TEXT NOT NULL DEFAULT '',
            item TEXT NOT NULL DEFAULT '',
            run_id INTEGER REFERENCES runs(id),
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX articles_external_id ON articles(external_id);
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_source ON articles(source);
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, coalesce(new.title, ''), new.text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, coalesce(new.title, ''), new.text);
        END;
        CREATE TABLE rejections (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            origin TEXT NOT NULL,
            item TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (origin, item, stage)
        );
        -- Which stage has processed which article (and with which version), so an
        -- interrupted run resumes exactly where it stopped. `note` records a skip
        -- reason ("no NER model for language xx").
        CREATE TABLE stage_state (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            version TEXT NOT NULL,
            done_at TEXT NOT NULL,
            note TEXT,
            PRIMARY KEY (article_id, stage)
        );
        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        2,
        "enrichment: mentions, entities, quotes, citations, dates, analyst decisions",
        """
        CREATE TABLE mentions (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            label TEXT NOT NULL,
            normal TEXT NOT NULL DEFAULT '',
            entity_id TEXT,
            PRIMARY KEY (article_id, start, "end")
        );
        CREATE INDEX mentions_entity ON mentions(entity_id);
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            variants TEXT NOT NULL DEFAULT '{}',
            article_ids TEXT NOT NULL DEFAULT '[]',
            explanations TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX entities_name ON entities(name);
        CREATE TABLE quotes (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            speaker TEXT,
            speaker_start INTEGER,
            speaker_end INTEGER,
            cue TEXT,
            kind TEXT NOT NULL DEFAULT 'direct',
            speaker_entity_id TEXT,
            group_id TEXT
        );
        CREATE INDEX quotes_article ON quotes(article_id);
        CREATE INDEX quotes_speaker ON quotes(speaker_entity_id);
        CREATE TABLE citations (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            cited TEXT NOT NULL,
            kind TEXT NOT NULL,
            cited_entity_id TEXT
        );
        CREATE INDEX citations_article ON citations(article_id);
        CREATE TABLE dates (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            value TEXT,
            granularity TEXT NOT NULL DEFAULT 'day',
            is_event INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX dates_article ON dates(article_id);
        -- Analyst decisions (entity merge/split, event merge/split/move), kept forever and
        -- replayed on every run so automatic stages never undo them.
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            note TEXT
        );
        """,
    ),
    (
        3,
        "events: embeddings, near-duplicates, event membership, events, storylines",
        """
        CREATE TABLE embeddings (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE duplicates (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            group_id TEXT NOT NULL,
            original_id TEXT NOT NULL
        );
        CREATE INDEX duplicates_group ON duplicates(group_id);
        CREATE TABLE event_members (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            event_id TEXT NOT NULL,
            score REAL NOT NULL,
            is_new INTEGER NOT NULL,
            explanation TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX event_members_event ON event_members(event_id);
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            title TEXT,
            article_ids TEXT NOT NULL,
            first_published TEXT,
            last_published TEXT,
            outlets TEXT NOT NULL DEFAULT '[]',
            languages TEXT NOT NULL DEFAULT '[]',
            duplicate_groups TEXT NOT NULL DEFAULT '[]',
            storyline_id TEXT
        );
        CREATE TABLE storylines (
            id TEXT PRIMARY KEY,
            event_ids TEXT NOT NULL,
            related_event_ids TEXT NOT NULL DEFAULT '[]',
            title TEXT
        );
        """,
    ),
    (
        4,
        "stored results: sentence vectors per article, materialised event reports",
        """
        -- Sentence (claim and quote) spans of one article and their embeddings, computed
        -- once and reused by every report and by semantic search. `vectors` is a float16
        -- matrix (len(spans) x dim), L2-normalised before rounding; `spans` is JSON
        -- [[start, end], ...] into the clean text.
        CREATE TABLE sentence_vectors (
            rowid INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            spans TEXT NOT NULL,
            vectors BLOB NOT NULL
        );
        -- One row per event: its report, valid while `fingerprint` (members, their content
        -- and annotations, report version) still matches. `data` rebuilds the report object;
        -- `view` is the JSON the API and the export hand out.
        CREATE TABLE event_reports (
            event_id TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            version TEXT NOT NULL,
            data TEXT NOT NULL,
            view TEXT NOT NULL,
            materialised_at TEXT NOT NULL
        );
        CREATE INDEX event_reports_time ON event_reports(materialised_at);
        """,
    ),
    (
        5,
        "entity blocking keys for incremental resolution",
        """
        -- Each entity filed under the blocking keys of its name and spellings
        -- (EntityResolver.blocking_keys), so a new batch finds the entities its mentions
        -- could join with an indexed lookup instead of reading every entity.
        CREATE TABLE entity_keys (
            key TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            PRIMARY KEY (key, entity_id)
        ) WITHOUT ROWID;
        CREATE INDEX entity_keys_entity ON entity_keys(entity_id);
        """,
    ),
    (
        6,
        "clusterer and near-duplicate state as rows; story links",
        """
        -- The online clusterer's learned state, one row per article and per event, so a
        -- batch writes only what it changed (the state used to be one JSON value, rewritten
        -- whole after every batch). `vector` and `lexical` are kept while the article is in
        -- the time window (the ANN index is rebuilt from them on load) and set NULL after.
        CREATE TABLE cluster_articles (
            article_id TEXT PRIMARY KEY,
            key INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            day INTEGER,
            shard TEXT NOT NULL,
            features TEXT NOT NULL,
            vector BLOB,
            lexical BLOB
        );
        CREATE INDEX cluster_articles_event ON cluster_articles(event_id);
        CREATE TABLE cluster_events (
            event_id TEXT PRIMARY KEY,
            centroid BLOB NOT NULL,
            locked INTEGER NOT NULL DEFAULT 0,
            cannot_link TEXT NOT NULL DEFAULT '[]'
        );
        -- Document frequencies of entities ('e') and hashed words ('t').
        CREATE TABLE cluster_df (
            kind TEXT NOT NULL,
            term TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (kind, term)
        );
        -- MinHash signatures of the near-duplicate index, in insertion order.
        CREATE TABLE neardup_articles (
            article_id TEXT PRIMARY KEY,
            ord INTEGER NOT NULL,
            published TEXT,
            signature BLOB NOT NULL
        );
        -- Older look-alike events found while linking stories (the stories' "related").
        CREATE TABLE story_links (
            older TEXT NOT NULL,
            newer TEXT NOT NULL,
            PRIMARY KEY (older, newer)
        );
        CREATE INDEX story_links_newer ON story_links(newer);
        DELETE FROM kv WHERE key IN ('cluster.state', 'neardup.state');
        """,
    ),
    (
        7,
        "the clusterer's ANN index shards as rows",
        """
        -- One serialised usearch index per time shard of the clusterer's window, written once
        -- per run for the shards that changed; `size` is its number of vectors. Loading
        -- restores them instead of rebuilding the graph, and rebuilds a shard from
        -- cluster_articles when it does not match the rows (a run stopped half-way).
        CREATE TABLE cluster_shards (
            name TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        """,
    ),
    (
        8,
        "entity memberships by article and entity profiles for incremental resolution",
        """
        -- Which entities name each article, so a re-enriched article finds the entities that
        -- listed it with an indexed lookup (not a scan of every entity's article list), and an
        -- entity that gains an article gains a row.
        CREATE TABLE entity_articles (
            article_id TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            PRIMARY KEY (article_id, entity_id)
        ) WITHOUT ROWID;
        CREATE INDEX entity_articles_entity ON entity_articles(entity_id);
        INSERT OR IGNORE INTO entity_articles(article_id, entity_id)
            SELECT j.value, e.id FROM entities e, json_each(e.article_ids) j;
        -- A compact profile per entity that incremental resolution compares new mentions
        -- with instead of re-reading its articles: the role words found around its mentions.
        CREATE TABLE entity_profiles (
            entity_id TEXT PRIMARY KEY,
            roles TEXT NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        9,
        "change marks for incremental report materialisation; events by article",
        f"""
        -- What changed since the reports were last materialised, written by the triggers
        -- below on every write that changes a report input: 'a' an article (its row or its
        -- annotations), 'e' an entity's name or type, 'v' an event's row; '*' everything (a
        -- store from before this version). materialise_reports reads only the marked events
        -- instead of digesting every article of the store (15.7 CPU s at 100k per run).
        -- `taken` is set while a run works through a mark; a new write clears it, so a mark
        -- made during the run survives the run.
        CREATE TABLE report_marks (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            taken INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
        INSERT INTO report_marks(kind, key) VALUES ('*', '*');
        -- Which event holds each article (the events table keeps a JSON list), kept by the
        -- events triggers: a marked article finds its event with an indexed lookup.
        CREATE TABLE event_articles (
            article_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            PRIMARY KEY (article_id, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX event_articles_event ON event_articles(event_id);
        INSERT OR IGNORE INTO event_articles(article_id, event_id)
            SELECT j.value, e.id FROM events e, json_each(e.article_ids) j;
        -- Citations by cited entity: a renamed entity finds the articles citing it.
        CREATE INDEX citations_entity ON citations(cited_entity_id);
        -- Articles: the columns the article digest and the report read.
        CREATE TRIGGER articles_mark_ai AFTER INSERT ON articles BEGIN {_mark('a', 'new.id')} END;
        CREATE TRIGGER articles_mark_ad AFTER DELETE ON articles BEGIN {_mark('a', 'old.id')} END;
        CREATE TRIGGER articles_mark_au AFTER UPDATE OF content_hash, source, title, published, language, url, text
            ON articles BEGIN {_mark('a', 'new.id')} END;
        """
        + _mark_article_triggers("mentions", 'start "end" text label normal entity_id')
        # Not group_id: the quote groups a report writes back are its output, not its input.
        + _mark_article_triggers("quotes", 'start "end" text speaker speaker_start speaker_end cue kind '
                                           "speaker_entity_id")
        + _mark_article_triggers("citations", 'start "end" text cited kind cited_entity_id')
        + _mark_article_triggers("dates", 'start "end" text value granularity is_event')
        + f"""
        -- An entity row rewritten with the same name and type (its article list grew) changes no
        -- report: INSERT OR REPLACE is checked here, before the old row goes.
        CREATE TRIGGER entities_mark_bi BEFORE INSERT ON entities WHEN NOT EXISTS (
            SELECT 1 FROM entities WHERE id = new.id AND name IS new.name AND type IS new.type)
            BEGIN {_mark('e', 'new.id')} END;
        CREATE TRIGGER entities_mark_ad AFTER DELETE ON entities BEGIN {_mark('e', 'old.id')} END;
        CREATE TRIGGER entities_mark_au AFTER UPDATE OF id, name, type ON entities
            WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.type IS NOT new.type BEGIN
            {_mark('e', 'old.id')}
            {_mark('e', 'new.id')}
        END;
        CREATE TRIGGER events_mark_ai AFTER INSERT ON events BEGIN
            INSERT OR IGNORE INTO event_articles(article_id, event_id)
                SELECT value, new.id FROM json_each(new.article_ids);
            {_mark('v', 'new.id')}
        END;
        CREATE TRIGGER events_mark_ad AFTER DELETE ON events BEGIN
            DELETE FROM event_articles WHERE event_id = old.id;
            {_mark('v', 'old.id')}
        END;
        CREATE TRIGGER events_mark_au AFTER UPDATE OF id, title, article_ids, duplicate_groups ON events BEGIN
            DELETE FROM event_articles WHERE event_id = old.id;
            INSERT OR IGNORE INTO event_articles(article_id, event_id)
                SELECT value, new.id FROM json_each(new.article_ids);
            {_mark('v', 'old.id')}
            {_mark('v', 'new.id')}
        END;
        """,
    ),
    (
        10,
        "near-duplicate LSH band keys as rows",
        """
        -- The MinHash LSH of the near-duplicate index as rows: one per (band key, article),
        -- a band key being a 64-bit hash of one band of the article's signature
        -- (NearDuplicateIndex.band_keys). A new article finds the articles it may copy with
        -- an indexed lookup of its own band keys instead of every run rebuilding the LSH from
        -- every stored signature (26.7 CPU s per run at 100k). Filled by the first run after
        -- this migration (persist.file_near_duplicate_bands) from neardup_articles.
        CREATE TABLE neardup_bands (
            band_key INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            PRIMARY KEY (band_key, article_id)
        ) WITHOUT ROWID;
        """,
    ),
    (
        11,
        "the clusterer's window rows indexed",
        """
        -- The rows that still hold a vector (the clusterer's time window), which a run loads
        -- first: a partial index, so finding them costs the window, not the history.
        CREATE INDEX cluster_articles_live ON cluster_articles(seq) WHERE vector IS NOT NULL;
        """,
    ),
    (
        12,
        "claim stances kept between report builds",
        """
        -- The stance of each claim a report compared (storyline.report.stance_book), keyed by a
        -- digest of the claim's text: a rebuilt report reads it instead of parsing the claim
        -- again. `stance` is JSON, NULL when the claim has no predicate to read; `version` names
        -- the stance rules and the parser (rows of another version are ignored).
        CREATE TABLE claim_stances (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            digest TEXT NOT NULL,
            version TEXT NOT NULL,
            stance TEXT,
            PRIMARY KEY (article_id, digest)
        ) WITHOUT ROWID;
        """,
    ),
    (
        13,
        "an entity's articles kept in the article index only",
        """
        -- An entity's article list lived twice: as JSON in its row and as rows of
        -- entity_articles. A batch naming a hub entity (a country in every other article)
        -- rewrote the hub's whole list, so its cost grew with the store. The index is now the
        -- one source: readers build the list from it (sorted by code point, the order the
        -- lists were written in), and the row keeps the count, which a batch adjusts by what
        -- it adds. The index is first rebuilt from the lists, which are what readers saw.
        DELETE FROM entity_articles;
        INSERT OR IGNORE INTO entity_articles(article_id, entity_id)
            SELECT j.value, e.id FROM entities e, json_each(e.article_ids) j;
        ALTER TABLE entities ADD COLUMN n_articles INTEGER NOT NULL DEFAULT 0;
        UPDATE entities SET n_articles = (SELECT count(*) FROM entity_articles WHERE entity_id = entities.id);
        ALTER TABLE entities DROP COLUMN article_ids;
        """,
    ),
    (
        14,
        "full-text search finds a word's other forms",
        """
        -- The index is rebuilt with FTS5's porter tokenizer over unicode61: English words are
        -- indexed by stem (kill, killed, killing), as PostgreSQL's english configuration does;
        -- other scripts pass through unchanged (Russian forms are matched by the query's stem
        -- prefix, storyline/store/query.py). The triggers name the table and stay as they are.
        DROP TABLE articles_fts;
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
        """,
    ),
]
