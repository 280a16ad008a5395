"""Versioned schema migrations. Append new versions; never edit a released one."""

from __future__ import annotations

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
]
