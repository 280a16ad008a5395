"""A digest of everything the product path stores for the first N articles of a dataset, to show
that a speed change changed no output (speed.md, runs 17 and 19).

    python benchmarks/store_digest.py [--dataset basil/docs.jsonl] [--limit 100] [--out FILE]

`storyline.ingest` into a fresh SQLite store, then `api.run_pipeline` with the packaged settings
(every stage, forked workers as configured), then one SHA-256 per table over its rows sorted, with
the integer row ids left out (they count insertions, not content) and each stored report's build
timings ("seconds") left out (they differ from run to run). Run it with the old and the new code:
equal digests mean equal rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402

# Columns per table: every stored output but integer row ids.
TABLES = {
    "articles": 'id, content_hash, source, title, published, language, text',
    "mentions": 'article_id, start, "end", text, label, normal, entity_id',
    "quotes": 'article_id, start, "end", text, speaker, speaker_start, speaker_end, cue, kind, speaker_entity_id, '
              'group_id',
    "citations": 'article_id, start, "end", text, cited, kind, cited_entity_id',
    "dates": 'article_id, start, "end", text, value, granularity, is_event',
    "entities": "id, name, type, variants, article_ids, explanations",
    "entity_keys": "*", "entity_articles": "*", "entity_profiles": "*",
    "embeddings": "*", "duplicates": "*", "event_members": "*", "storylines": "*",
    "events": "id, title, article_ids, first_published, last_published, outlets, languages, duplicate_groups, "
              "storyline_id",
    "sentence_vectors": "article_id, model, dim, spans, vectors",
    "event_reports": "event_id, fingerprint, version, data, view",
    "claim_stances": "*",
}


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def digest(db: Path) -> dict[str, Any]:
    """``{table: [rows, sha256 prefix]}`` and ``ALL``, one digest of them all."""
    con = sqlite3.connect(db)
    out: dict[str, Any] = {}
    for table, columns in TABLES.items():
        rows: Any = con.execute(f"SELECT {columns} FROM {table}")
        if table == "event_reports":
            rows = [(*r[:3], *(json.dumps(_without_timings(json.loads(x)), sort_keys=True) for x in r[3:]))
                    for r in rows]
        lines = sorted(repr(tuple(r)) for r in rows)
        out[table] = [len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]]
    con.close()
    out["ALL"] = hashlib.sha256(json.dumps(out, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return out


def main() -> None:
    import storyline
    from storyline.api import run_pipeline

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="basil/docs.jsonl")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rows = [json.loads(line) for line in (DATA / args.dataset).open(encoding="utf-8")][: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        sample.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        settings = storyline.load_settings(env={})
        store = storyline.open_store(Path(tmp) / "digest.db")
        storyline.ingest(store, [str(sample)], settings=settings)
        run_pipeline(store, settings)
        store.close()
        result = digest(Path(tmp) / "digest.db")
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
